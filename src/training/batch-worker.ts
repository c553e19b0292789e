/**
 * Worker thread of the training data pipeline: decodes the photos once, then crops
 * and augments batches on request while the main thread runs the training step.
 */
import { parentPort, workerData } from 'node:worker_threads';

import type { FaceRecord } from '../data/dataset.js';
import type { Scheme } from '../scheme/scheme.js';
import { makeBatch } from './batches.js';
import { loadSamples, type WorkerReply, type WorkerRequest } from './samples.js';

interface Init {
  records: FaceRecord[];
  scheme: Scheme;
  size: number;
}

const init = workerData as Init;
const port = parentPort;
if (port === null) throw new Error('batch-worker must run in a worker thread');

const ready = loadSamples(init.records);

port.on('message', (request: WorkerRequest) => {
  void handle(request).then(
    (reply) => {
      const transfer = reply.batch
        ? [
            reply.batch.input.buffer,
            reply.batch.target.buffer,
            reply.batch.faceScale.buffer,
          ]
        : [];
      port.postMessage(reply, transfer as ArrayBuffer[]);
    },
    (error: unknown) => port.postMessage({ id: request.id, error: String(error) }),
  );
});

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  const set = await ready;
  if (request.kind === 'ready') {
    return {
      id: request.id,
      batch: {
        input: new Float32Array(0),
        target: new Float32Array(0),
        faceScale: new Float32Array(0),
      },
    };
  }
  const batch = await makeBatch(set, request.indices ?? [], {
    scheme: init.scheme,
    size: init.size,
    augment: request.augment ?? null,
    seed: request.seed ?? 0,
  });
  return { id: request.id, batch };
}
