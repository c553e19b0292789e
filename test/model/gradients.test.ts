/**
 * The training graph's hand-derived gradients against central finite differences of
 * its own loss, in float64, for every parameter of a small network.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import {
  buildTrainStepGraph,
  trainStepSignature,
} from '../../src/model/graphs/train-step.js';
import { paramSpecs, sizeOf } from '../../src/model/parameters.js';
import { seeded, tinyDefinition } from '../helpers/networks.js';

async function gradientCheck(heads: number, frozenLayers: number): Promise<void> {
  // Small enough for finite differences, with ceil pooling (9 -> 5 -> 3).
  const def = tinyDefinition(9, [3, 4, 5], 3, heads);
  const batch = 3;
  const random = seeded(7 + heads + frozenLayers);
  const options = {
    batch,
    frozenLayers,
    floatType: 'float64' as const,
    lowering: 'matmul' as const,
    emitGradients: true,
    weightDecay: 0,
  };
  const session = await ort.InferenceSession.create(buildTrainStepGraph(def, options));
  const signature = trainStepSignature(def, options);

  // Random data, parameters (running variances positive) and per-head weights.
  const n2 = def.numPoints * 2;
  const fill = (n: number, scale: number, offset = 0): Float64Array =>
    Float64Array.from({ length: n }, () => random() * scale + offset);
  const tensor = (data: Float64Array, dims: readonly number[]): ort.Tensor =>
    new ort.Tensor('float64', data, dims);
  const params = new Map<string, Float64Array>();
  for (const spec of paramSpecs(def)) {
    const size = sizeOf(spec.shape);
    const positive = spec.kind === 'bn-var' || spec.kind === 'bn-scale';
    params.set(spec.name, positive ? fill(size, 0.5, 1) : fill(size, 1.2));
  }
  const data: Record<string, ort.Tensor> = {
    input: tensor(fill(batch * 81, 2), [batch, 1, 9, 9]),
    target: tensor(fill(batch * n2, 4), [batch, n2]),
    weights: tensor(fill(heads * n2, 1, 1), [heads, n2]),
    faceScale: tensor(fill(batch, 0.5, 1), [batch]),
    lr: tensor(Float64Array.of(0), []),
  };
  for (const spec of signature.trained) {
    data[`m:${spec.name}`] = tensor(new Float64Array(sizeOf(spec.shape)), spec.shape);
  }
  const run = async (): Promise<ort.InferenceSession.ReturnType> => {
    const feeds = { ...data };
    for (const spec of paramSpecs(def)) {
      feeds[`p:${spec.name}`] = tensor(params.get(spec.name) as Float64Array, spec.shape);
    }
    return session.run(feeds);
  };

  // Analytic gradients, then central differences of the loss, element by element.
  const analytic = await run();
  const h = 1e-6;
  let checked = 0;
  for (const spec of signature.trained) {
    const values = params.get(spec.name) as Float64Array;
    const grad = analytic[`grad:${spec.name}`]?.data as Float64Array;
    expect(grad.length).toBe(values.length);
    for (let i = 0; i < values.length; i++) {
      const keep = values[i] as number;
      values[i] = keep + h;
      const up = (await run()).loss?.data[0] as number;
      values[i] = keep - h;
      const down = (await run()).loss?.data[0] as number;
      values[i] = keep;
      const numeric = (up - down) / (2 * h);
      const error = Math.abs(numeric - (grad[i] as number));
      expect(error, `${spec.name}[${i}]: ${grad[i]} vs ${numeric}`).toBeLessThan(
        1e-6 * Math.max(1, Math.abs(numeric)),
      );
      checked += 1;
    }
  }
  expect(checked).toBeGreaterThan(0);
  await session.release();
}

describe('training graph gradients (float64, central differences)', () => {
  it('match for every parameter with one head and nothing frozen', async () => {
    await gradientCheck(1, 0);
  });

  it('match with three heads (multi-center fine-tuning, joint)', async () => {
    await gradientCheck(3, 0);
  });

  it('match with the first conv frozen and with only the SPLs trained', async () => {
    await gradientCheck(2, 1);
    await gradientCheck(2, 3);
  });
});
