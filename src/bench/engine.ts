/**
 * Engine benchmark (issue: the DMCL network in TypeScript): training faces/s at batch
 * 64 (whole net and first six convs frozen), inference ms for one face and faces/s at
 * batch 64, for 1 and 2 threads, each a median of several runs; and the same network
 * in PyTorch in the same run when Debian's python3-torch is installed.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createSession, floatTensor } from '../engine/session.js';
import { Trainer } from '../engine/trainer.js';
import { dmclDefinition } from '../model/definition.js';
import { buildForwardGraph } from '../model/graphs/forward.js';
import { initParameters } from '../model/parameters.js';
import { fmt, median, printTable, timeRuns } from './stats.js';

/** The figures of one engine at one thread count. */
export interface EngineFigures {
  trainFacesPerSecond: number;
  trainFrozenFacesPerSecond: number;
  inferMsBatch1: number;
  inferFacesPerSecondBatch64: number;
}

const BATCH = 64;
const FROZEN = 6;

/** Times the ONNX Runtime graphs of the released layout (68 points, 1024 channels). */
export async function benchOnnxRuntime(
  threads: number,
  runs: number,
): Promise<EngineFigures> {
  const def = dmclDefinition(68);
  const params = initParameters(def, { splBias: new Float32Array(136).fill(25) });
  const random = (n: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, () => (Math.random() - 0.5) * scale);
  const batch = {
    input: random(BATCH * 2500, 2),
    target: random(BATCH * 136, 50).map((v) => v + 25),
    faceScale: new Float32Array(BATCH).fill(1 / 512),
  };
  const weights = new Float32Array(136).fill(1);

  // Training steps, whole net and frozen trunk: median step time over `runs` runs.
  const stepRate = async (frozenLayers: number): Promise<number> => {
    const trainer = await Trainer.create(def, params, {
      batch: BATCH,
      frozenLayers,
      threads,
    });
    const times = await timeRuns(() => trainer.step(batch, weights, 1e-4), runs, 2);
    await trainer.dispose();
    return (BATCH / median(times)) * 1000;
  };
  const trainFacesPerSecond = await stepRate(0);
  const trainFrozenFacesPerSecond = await stepRate(FROZEN);

  // Inference with the shipped graph: batch norm folded, parameters embedded.
  const session = await createSession(buildForwardGraph(def, { embed: params }), {
    threads,
  });
  const one = floatTensor(random(2500, 2), [1, 1, 50, 50]);
  const many = floatTensor(random(BATCH * 2500, 2), [BATCH, 1, 50, 50]);
  const single = await timeRuns(() => session.run({ input: one }), runs * 10, 5);
  const batched = await timeRuns(() => session.run({ input: many }), runs, 2);
  await session.release();
  return {
    trainFacesPerSecond,
    trainFrozenFacesPerSecond,
    inferMsBatch1: median(single),
    inferFacesPerSecondBatch64: (BATCH / median(batched)) * 1000,
  };
}

/** PyTorch's figures from bench/torch_bench.py, or undefined when torch is missing. */
export function benchPyTorch(threads: number, runs: number): EngineFigures | undefined {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const script = fileURLToPath(new URL('../../bench/torch_bench.py', import.meta.url));
  const args = [script, '--threads', String(threads), '--batch', String(BATCH)];
  const out = execFileSync(python, [...args, '--runs', String(runs), '--json'], {
    encoding: 'utf8',
  });
  const json = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  return {
    trainFacesPerSecond: json.train_faces_per_s ?? NaN,
    trainFrozenFacesPerSecond: json.train_frozen_faces_per_s ?? NaN,
    inferMsBatch1: json.infer_ms_batch1 ?? NaN,
    inferFacesPerSecondBatch64: json.infer_faces_per_s_batch64 ?? NaN,
  };
}

/** Runs both engines at 1 and 2 threads and prints one table. */
export async function runEngineBench(runs = 5): Promise<void> {
  const rows: string[][] = [];
  for (const threads of [1, 2]) {
    const ort = await benchOnnxRuntime(threads, runs);
    const torch = benchPyTorch(threads, runs);
    const row = (engine: string, f: EngineFigures): string[] => [
      engine,
      String(threads),
      fmt(f.trainFacesPerSecond),
      fmt(f.trainFrozenFacesPerSecond),
      fmt(f.inferMsBatch1, 2),
      fmt(f.inferFacesPerSecondBatch64),
    ];
    rows.push(row('onnxruntime-node', ort));
    if (torch === undefined) continue;
    rows.push(row('PyTorch', torch));
    rows.push([
      'ratio ORT / PyTorch',
      String(threads),
      fmt(ort.trainFacesPerSecond / torch.trainFacesPerSecond, 2),
      fmt(ort.trainFrozenFacesPerSecond / torch.trainFrozenFacesPerSecond, 2),
      fmt(torch.inferMsBatch1 / ort.inferMsBatch1, 2),
      fmt(ort.inferFacesPerSecondBatch64 / torch.inferFacesPerSecondBatch64, 2),
    ]);
  }
  console.log(`\nEngine: DMCL 68-point network, batch ${BATCH}, median of ${runs} runs`);
  console.log(
    '(ratio row: > 1 means ONNX Runtime is faster; for ms the ratio is inverted)\n',
  );
  printTable(
    [
      'engine',
      'threads',
      'train faces/s',
      `train faces/s, ${FROZEN} convs frozen`,
      'infer ms, 1 face',
      'infer faces/s, batch 64',
    ],
    rows,
  );
  if (rows.length === 2) {
    console.log(
      '\nPyTorch not found (/usr/bin/python3 -c "import torch" failed): no ratios.',
    );
    console.log("Install Debian's python3-torch to compare in the same run.");
  }
}
