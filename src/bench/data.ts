/**
 * Data pipeline benchmark (issue: the DMCL training pipeline): faces/s of the
 * augmentation and crop alone (in-process and in the worker thread), of the training
 * step alone on a fixed batch, and of the two together as `dmcl train` runs them.
 */
import { loadDataset } from '../data/dataset.js';
import { Trainer } from '../engine/trainer.js';
import { dmclDefinition } from '../model/definition.js';
import { initParameters } from '../model/parameters.js';
import { IBUG68 } from '../scheme/scheme.js';
import { defaultTrainConfig } from '../training/config.js';
import { shuffled } from '../training/batches.js';
import { createBatchSource } from '../training/samples.js';
import { fmt, median, printTable } from './stats.js';

const BATCH = 64;

/** Runs the data benchmark on a 300-W style folder. */
export async function runDataBench(data: string, steps = 6, threads = 2): Promise<void> {
  const records = await loadDataset(data, { scheme: IBUG68 });
  const augment = defaultTrainConfig(data).augment;
  const order = shuffled(records.length, 1);
  const indices = (k: number): number[] => order.slice(k * BATCH, (k + 1) * BATCH);
  const rows: string[][] = [];

  // Batches alone, in-process and from the worker thread.
  for (const worker of [false, true]) {
    const source = await createBatchSource(records, { scheme: IBUG68, size: 50, worker });
    await source.batch(indices(0), { augment, seed: 0 });
    const start = performance.now();
    for (let k = 1; k <= steps; k++) await source.batch(indices(k), { augment, seed: k });
    const rate = (steps * BATCH * 1000) / (performance.now() - start);
    rows.push([
      `augmented batches alone (${worker ? 'worker thread' : 'main thread'})`,
      fmt(rate),
    ]);
    await source.close();
  }

  // The step alone on one fixed batch, then with the worker preparing the next batch.
  const def = dmclDefinition(68);
  const trainer = await Trainer.create(def, initParameters(def), {
    batch: BATCH,
    threads,
  });
  const weights = new Float32Array(136).fill(1);
  const source = await createBatchSource(records, {
    scheme: IBUG68,
    size: 50,
    worker: true,
  });
  const fixed = await source.batch(indices(0), { augment, seed: 0 });
  await trainer.step(fixed, weights, 1e-4);
  const alone: number[] = [];
  for (let k = 0; k < steps; k++) {
    const start = performance.now();
    await trainer.step(fixed, weights, 1e-4);
    alone.push(performance.now() - start);
  }
  rows.push([
    `training step alone (${threads} threads)`,
    fmt((BATCH * 1000) / median(alone)),
  ]);

  let pending = source.batch(indices(1), { augment, seed: 1 });
  const start = performance.now();
  for (let k = 1; k <= steps; k++) {
    const batch = await pending;
    pending = source.batch(indices(k + 1), { augment, seed: k + 1 });
    await trainer.step(batch, weights, 1e-4);
  }
  const together = (steps * BATCH * 1000) / (performance.now() - start);
  rows.push([`training step + worker batches (as dmcl train)`, fmt(together)]);
  await pending;
  await source.close();
  await trainer.dispose();

  console.log(
    `\nData pipeline: ${records.length} faces of ${data}, batch ${BATCH}, ${steps} steps`,
  );
  console.log(
    '(augmentation: rotation, scale, shift, flip, JPEG, brightness/contrast)\n',
  );
  printTable(['stage', 'faces/s'], rows);
}
