/**
 * From dataset records to faces in memory: the train/validation split and the decoded
 * grey photos, served as batches in-process or from a worker thread.
 */
import { Worker } from 'node:worker_threads';

import type { TrainBatch } from '../engine/trainer.js';
import type { FaceRecord } from '../data/dataset.js';
import { readGrey, type GreyImage } from '../image/image.js';
import { Rng } from '../augment/rng.js';
import { makeBatch, type BatchOptions, type SampleSet } from './batches.js';

/** Records split into training and validation faces, whole photos on one side. */
export interface RecordSplit {
  readonly train: FaceRecord[];
  readonly validation: FaceRecord[];
}

/**
 * A seeded split: a share `fraction` of the photos goes to validation, so that two
 * faces of one photo never end up on both sides.
 */
export function splitRecords(
  records: FaceRecord[],
  fraction: number,
  seed: number,
): RecordSplit {
  const photos = [...new Set(records.map((r) => r.imagePath))].sort();
  const rng = new Rng(seed ^ 0x5eed);
  const held = new Set(photos.filter(() => rng.next() < fraction));
  return {
    train: records.filter((r) => !held.has(r.imagePath)),
    validation: records.filter((r) => held.has(r.imagePath)),
  };
}

/** Decodes every photo of `records` once (grey) and indexes the faces. */
export async function loadSamples(
  records: readonly FaceRecord[],
  onProgress?: (done: number, total: number) => void,
): Promise<SampleSet> {
  const paths = [...new Set(records.map((r) => r.imagePath))];
  const images: GreyImage[] = new Array(paths.length);
  const index = new Map(paths.map((p, i) => [p, i]));
  let done = 0;

  // A few decodes at a time; sharp runs them on its own threads.
  const queue = [...paths.keys()];
  const workers = Array.from({ length: 4 }, async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      images[i] = await readGrey(paths[i] as string);
      done += 1;
      onProgress?.(done, paths.length);
    }
  });
  await Promise.all(workers);

  const faces = records.map((r) => ({
    image: index.get(r.imagePath) as number,
    points: r.points,
    box: r.box,
  }));
  return { images, faces };
}

/** Hands out batches; see {@link createBatchSource}. */
export interface BatchSource {
  /** Crops (and augments) the faces at `indices`. */
  batch(
    indices: readonly number[],
    options: Omit<BatchOptions, 'scheme' | 'size'>,
  ): Promise<TrainBatch>;
  /** Stops the worker, if any. */
  close(): Promise<void>;
}

/** Batch options fixed for the life of a source. */
export interface SourceOptions {
  readonly scheme: BatchOptions['scheme'];
  readonly size: number;
  /**
   * Prepare batches in a worker thread, overlapping with the training step. Needs the
   * compiled package (dist/); default true.
   */
  readonly worker: boolean;
}

/** A batch source over `records`, in-process or in a worker thread. */
export async function createBatchSource(
  records: readonly FaceRecord[],
  options: SourceOptions,
): Promise<BatchSource> {
  if (!options.worker) {
    const set = await loadSamples(records);
    return {
      batch: (indices, o) =>
        makeBatch(set, indices, { ...o, scheme: options.scheme, size: options.size }),
      close: async () => undefined,
    };
  }
  return WorkerSource.start(records, options);
}

interface Pending {
  resolve: (batch: TrainBatch) => void;
  reject: (error: Error) => void;
}

/** The worker-thread source: photos live in the worker; batches come back transferred. */
class WorkerSource implements BatchSource {
  private next = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: WorkerReply) => {
      const waiting = this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting.reject(new Error(message.error));
      else waiting.resolve(message.batch as TrainBatch);
    });
    worker.on('error', (error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
  }

  static async start(
    records: readonly FaceRecord[],
    options: SourceOptions,
  ): Promise<WorkerSource> {
    const url = new URL('./batch-worker.js', import.meta.url);
    const worker = new Worker(url, {
      workerData: {
        records: records.map((r) => ({
          imagePath: r.imagePath,
          points: r.points,
          box: r.box,
        })),
        scheme: options.scheme,
        size: options.size,
      },
    });
    const source = new WorkerSource(worker);
    await source.call({ kind: 'ready' });
    return source;
  }

  batch(
    indices: readonly number[],
    o: Omit<BatchOptions, 'scheme' | 'size'>,
  ): Promise<TrainBatch> {
    return this.call({
      kind: 'batch',
      indices: [...indices],
      augment: o.augment,
      seed: o.seed,
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private call(request: Omit<WorkerRequest, 'id'>): Promise<TrainBatch> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }
}

/** A message to the batch worker. */
export interface WorkerRequest {
  id: number;
  kind: 'ready' | 'batch';
  indices?: number[];
  augment?: BatchOptions['augment'];
  seed?: number;
}

/** A message from the batch worker. */
export interface WorkerReply {
  id: number;
  batch?: TrainBatch;
  error?: string;
}
