/**
 * The float32 engine: native and matmul lowerings agree, the step drives a loss down,
 * and the evaluation forward graph agrees with the training graph's heads.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { Trainer } from '../../src/engine/trainer.js';
import type { ModelDefinition } from '../../src/model/definition.js';
import { buildForwardGraph } from '../../src/model/graphs/forward.js';
import { buildTrainStepGraph } from '../../src/model/graphs/train-step.js';
import { initParameters, paramSpecs, sizeOf } from '../../src/model/parameters.js';
import { seeded, tinyDefinition } from '../helpers/networks.js';

function smallDefinition(heads = 1): ModelDefinition {
  return tinyDefinition(20, [8, 16, 32], 4, heads);
}

describe('float32 engine', () => {
  it('gives the same step with native and matmul convolutions', async () => {
    const def = smallDefinition(2);
    const batch = 4;
    const random = seeded(3);
    const params = initParameters(def, { weightStd: 0.3, seed: 5 });
    const input = Float32Array.from({ length: batch * 400 }, random);
    const target = Float32Array.from({ length: batch * 8 }, () => random() * 10);
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', input, [batch, 1, 20, 20]),
      target: new ort.Tensor('float32', target, [batch, 8]),
      weights: new ort.Tensor('float32', new Float32Array(16).fill(1), [2, 8]),
      faceScale: new ort.Tensor('float32', new Float32Array(batch).fill(0.01), [batch]),
      lr: new ort.Tensor('float32', Float32Array.of(0.1), []),
    };
    for (const spec of paramSpecs(def)) {
      feeds[`p:${spec.name}`] = new ort.Tensor(
        'float32',
        params.get(spec.name) as Float32Array,
        spec.shape,
      );
      if (spec.kind !== 'bn-mean' && spec.kind !== 'bn-var') {
        feeds[`m:${spec.name}`] = new ort.Tensor(
          'float32',
          new Float32Array(sizeOf(spec.shape)),
          spec.shape,
        );
      }
    }

    const results = [];
    for (const lowering of ['native', 'matmul'] as const) {
      const graph = buildTrainStepGraph(def, { batch, lowering, emitGradients: true });
      const session = await ort.InferenceSession.create(graph);
      results.push(await session.run(feeds));
      await session.release();
    }
    const [native, matmul] = results;
    for (const name of Object.keys(native ?? {})) {
      const a = native?.[name]?.data as Float32Array;
      const b = matmul?.[name]?.data as Float32Array;
      let scale = 1e-6;
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i] as number));
        worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
      }
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
  });

  it('drives the loss down by orders of magnitude on a fixed batch', async () => {
    const def = smallDefinition();
    const batch = 8;
    const random = seeded(11);
    const input = Float32Array.from({ length: batch * 400 }, random);
    const target = Float32Array.from({ length: batch * 8 }, () => 10 + random() * 8);
    const meanTarget = new Float32Array(8);
    target.forEach(
      (v, i) => (meanTarget[i % 8] = (meanTarget[i % 8] as number) + v / batch),
    );
    const params = initParameters(def, { splBias: meanTarget, weightStd: 0.1 });
    const trainer = await Trainer.create(def, params, {
      batch,
      optimizer: 'adam',
      weightDecay: 0,
      threads: 1,
    });
    const data = { input, target, faceScale: new Float32Array(batch).fill(1 / 50) };
    const weights = new Float32Array(8).fill(1);

    const first = (await trainer.step(data, weights, 1e-3)).loss;
    let last = first;
    for (let i = 0; i < 300; i++) last = (await trainer.step(data, weights, 3e-3)).loss;
    expect(first).toBeGreaterThan(0);
    expect(last).toBeLessThan(first / 100);
    await trainer.dispose();
  });

  it('evaluates every head with running statistics in the forward graph', async () => {
    const def = smallDefinition(3);
    const params = initParameters(def, { weightStd: 0.3, seed: 9 });
    for (const spec of paramSpecs(def)) {
      if (spec.kind === 'bn-mean')
        params.set(spec.name, new Float32Array(sizeOf(spec.shape)).fill(0.1));
      if (spec.kind === 'bn-var')
        params.set(spec.name, new Float32Array(sizeOf(spec.shape)).fill(2));
    }
    const input = Float32Array.from({ length: 2 * 400 }, seeded(4));

    // The same network with parameters as inputs and embedded (folded in JavaScript).
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('float32', input, [2, 1, 20, 20]),
    };
    for (const spec of paramSpecs(def)) {
      feeds[`p:${spec.name}`] = new ort.Tensor(
        'float32',
        params.get(spec.name) as Float32Array,
        spec.shape,
      );
    }
    const open = await ort.InferenceSession.create(buildForwardGraph(def));
    const embedded = await ort.InferenceSession.create(
      buildForwardGraph(def, { embed: params }),
    );
    const a = (await open.run(feeds)).landmarks?.data as Float32Array;
    const b = (await embedded.run({ input: feeds.input as ort.Tensor })).landmarks
      ?.data as Float32Array;
    expect(a.length).toBe(2 * 3 * 8);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 4);
    await open.release();
    await embedded.release();
  });
});

describe('flip averaging at test time', () => {
  it('averages the plain prediction with the mirrored crop mirrored back', async () => {
    const def = smallDefinition();
    const params = initParameters(def, { weightStd: 0.3, seed: 12 });
    const partners = [1, 0, 3, 2];
    const side = def.inputSize;
    const input = Float32Array.from({ length: side * side }, seeded(8));
    const mirrored = new Float32Array(input.length);
    for (let v = 0; v < side; v++) {
      for (let u = 0; u < side; u++)
        mirrored[v * side + u] = input[v * side + side - 1 - u] as number;
    }

    // The plain model on both crops, by hand; the flip-averaged graph on the first.
    const plain = await ort.InferenceSession.create(
      buildForwardGraph(def, { embed: params }),
    );
    const run = async (
      session: ort.InferenceSession,
      data: Float32Array,
    ): Promise<Float32Array> =>
      (await session.run({ input: new ort.Tensor('float32', data, [1, 1, side, side]) }))
        .landmarks?.data as Float32Array;
    const a = await run(plain, input);
    const b = await run(plain, mirrored);
    const averaged = await ort.InferenceSession.create(
      buildForwardGraph(def, { embed: params, flipPartners: partners }),
    );
    const got = await run(averaged, input);

    for (let j = 0; j < 4; j++) {
      const k = partners[j] as number;
      const x = ((a[2 * j] as number) + (side - 1 - (b[2 * k] as number))) / 2;
      const y = ((a[2 * j + 1] as number) + (b[2 * k + 1] as number)) / 2;
      expect(got[2 * j]).toBeCloseTo(x, 4);
      expect(got[2 * j + 1]).toBeCloseTo(y, 4);
    }
    expect(Math.abs((a[0] as number) - (got[0] as number))).toBeGreaterThan(1e-3);
    await plain.release();
    await averaged.release();
  });
});
