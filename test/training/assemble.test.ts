/**
 * Model assembling: the one-SPL network equals "run all m heads, keep each cluster's
 * rows from its own head", to float precision, through real ONNX Runtime sessions.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { dmclDefinition } from '../../src/model/definition.js';
import { buildForwardGraph } from '../../src/model/graphs/forward.js';
import { initParameters, splNames } from '../../src/model/parameters.js';
import { IBUG68 } from '../../src/scheme/scheme.js';
import {
  assembleHeads,
  clusterOfLandmark,
  multiCenterWeights,
  weightsFromErrors,
} from '../../src/training/assemble.js';

describe('model assembling', () => {
  it('gives the per-cluster selection of the m heads', async () => {
    const m = IBUG68.clusters.length;
    const def = dmclDefinition(68, { heads: m, lastChannels: 32 });
    const params = initParameters(def, { weightStd: 0.2, seed: 4 });

    // Make the heads really differ.
    for (let head = 0; head < m; head++) {
      const bias = params.get(splNames(head).bias) as Float32Array;
      bias.forEach((_, i) => (bias[i] = 25 + head * 3 + (i % 7)));
    }
    const input = Float32Array.from({ length: 3 * 2500 }, (_, i) => Math.sin(i * 0.37));
    const feeds = { input: new ort.Tensor('float32', input, [3, 1, 50, 50]) };

    const all = await ort.InferenceSession.create(
      buildForwardGraph(def, { embed: params }),
    );
    const heads = (await all.run(feeds)).landmarks?.data as Float32Array;
    const assembled = assembleHeads(def, params, IBUG68);
    expect(assembled.definition.heads).toBe(1);
    const one = await ort.InferenceSession.create(
      buildForwardGraph(assembled.definition, { embed: assembled.parameters }),
    );
    const single = (await one.run(feeds)).landmarks?.data as Float32Array;

    // Expected: landmark j of face k from head owner[j].
    const owner = clusterOfLandmark(IBUG68);
    let worst = 0;
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j < 68; j++) {
        for (const axis of [0, 1]) {
          const h = owner[j] as number;
          const expected = heads[(k * m + h) * 136 + 2 * j + axis] as number;
          const got = single[k * 136 + 2 * j + axis] as number;
          worst = Math.max(worst, Math.abs(expected - got));
        }
      }
    }
    expect(worst).toBeLessThan(1e-4);
    // Heads differ by several pixels, so a wrong selection cannot pass.
    expect(Math.abs((heads[0] as number) - (heads[136] as number))).toBeGreaterThan(1);
    await all.release();
    await one.release();
  });

  it('weights each head alpha times on its own cluster', () => {
    const u = Array.from({ length: 68 }, (_, j) => 1 + j / 100);
    const w = multiCenterWeights(IBUG68, u, 5);
    const nose = IBUG68.clusters.findIndex((c) => c.points.includes(30));
    expect(w[nose * 136 + 2 * 30]).toBeCloseTo(5 * 1.3, 5);
    expect(w[nose * 136 + 2 * 30 + 1]).toBeCloseTo(5 * 1.3, 5);
    expect(w[nose * 136 + 2 * 0]).toBeCloseTo(1, 5);
  });

  it('turns measured errors into weights that average 1', () => {
    const u = weightsFromErrors([1, 2, 3, 6]);
    expect(u).toEqual([1 / 3, 2 / 3, 1, 2]);
  });
});
