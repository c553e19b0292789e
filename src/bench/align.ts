/**
 * Alignment benchmark (issue: landmarks for any photo): ms per face of the
 * landmark step at batch 1 and batched, and ms per photo of detection plus
 * alignment, next to @vladmandic/face-api's 68-point net on the same boxes in the
 * same run. dlib's shape predictor is not timed: the line under the table says
 * why (dlib and its 68-point model file are not on this machine).
 */
import { execFileSync } from 'node:child_process';

import { loadDataset, type FaceRecord } from '../data/dataset.js';
import { toRgb } from '../detection/human.js';
import { loadFaceApi, loadFaceApiNet, type NodeFaceApi } from '../detection/node.js';
import type { Box } from '../geometry/box.js';
import { readImage, toGrey, type GreyImage, type RgbImage } from '../image/image.js';
import type { Aligner } from '../inference/aligner.js';
import { loadAligner } from '../inference/node.js';
import { IBUG68 } from '../scheme/scheme.js';
import { fmt, median, printTable, timeRuns } from './stats.js';

/** A decoded test photo with its ground-truth box. */
interface Photo {
  face: FaceRecord;
  rgb: RgbImage;
  grey: GreyImage;
}

/** The face-api calls timed here, typed loosely (its own types are not needed). */
interface FaceApiBench {
  tf: {
    tensor3d(v: Uint8Array, s: number[], d: 'int32'): { dispose(): void };
  };
  Rect: new (x: number, y: number, w: number, h: number) => object;
  extractFaceTensors(image: object, rects: object[]): Promise<{ dispose(): void }[]>;
  nets: { faceLandmark68Net: { detectLandmarks(input: object): Promise<unknown> } };
  TinyFaceDetectorOptions: new (o: {
    inputSize: number;
    scoreThreshold: number;
  }) => object;
  detectAllFaces(
    input: object,
    options: object,
  ): { withFaceLandmarks(): Promise<unknown> };
}

const BATCH = 32;

/** Runs the alignment benchmark over the first photos of a 300-W folder. */
export async function runAlignBench(data: string, runs: number): Promise<void> {
  const faces = (await loadDataset(data, { scheme: IBUG68 })).slice(0, BATCH);
  const photos: Photo[] = [];
  for (const face of faces) {
    const rgb = await readImage(face.imagePath);
    photos.push({ face, rgb, grey: toGrey(rgb) });
  }
  console.log(
    `\n## Alignment (${photos.length} photos of ${data}, median of ${runs} runs)\n`,
  );

  // DMCL: the network alone, then crop + network + mapping back, 1 and 2 threads
  const rows: string[][] = [];
  const dmcl: Record<string, number> = {};
  for (const threads of [1, 2]) {
    const aligner = await loadAligner(undefined, { threads });
    const figures = await benchDmcl(aligner, photos, runs);
    await aligner.dispose();
    for (const [key, ms] of Object.entries(figures)) dmcl[`${key}@${threads}`] = ms;
  }

  // face-api's 68-point net on the same boxes, and its own detector + landmarks
  const faceapi = (await loadFaceApi()) as NodeFaceApi & FaceApiBench;
  await loadFaceApiNet(faceapi, 'faceLandmark68Net');
  await loadFaceApiNet(faceapi, 'tinyFaceDetector');
  const peer = await benchFaceApi(faceapi, photos, runs);

  const label: Record<string, string> = {
    net1: 'landmark network alone, batch 1 (ms/face)',
    netBatch: `landmark network alone, batch ${BATCH} (ms/face)`,
    step1: 'landmark step (crop, net, map back), batch 1 (ms/face)',
    stepBatch: `landmark step, batch ${BATCH} (ms/face)`,
    photo: 'detection + alignment from decoded pixels (ms/photo)',
  };
  for (const key of Object.keys(label)) {
    rows.push([
      label[key] as string,
      fmt(dmcl[`${key}@1`], 2),
      fmt(dmcl[`${key}@2`], 2),
      fmt(peer[key], 2),
    ]);
  }
  printTable(['', 'dmcl, 1 thread', 'dmcl, 2 threads', 'face-api 68-point net'], rows);

  // The headline ratio the issue asks for: landmark step per face, same boxes
  const ratio1 = (peer.step1 ?? NaN) / (dmcl['step1@1'] ?? NaN);
  const ratioB = (peer.stepBatch ?? NaN) / (dmcl['stepBatch@1'] ?? NaN);
  console.log(
    `\nlandmark step, dmcl (1 thread) vs face-api: ${fmt(ratio1, 1)}x faster at batch 1, ` +
      `${fmt(ratioB, 1)}x at batch ${BATCH}.`,
  );
  console.log(
    'dmcl detection is BlazeFace (@vladmandic/human), face-api detection is its Tiny ' +
      'Face Detector (416); both on TensorFlow.js WebAssembly.',
  );
  console.log(dlibLine());
}

/** DMCL figures in ms: per face (network, step) and per photo (detect + align). */
async function benchDmcl(
  aligner: Aligner,
  photos: Photo[],
  runs: number,
): Promise<Record<string, number>> {
  const size = aligner.info.inputSize;
  const one = new Float32Array(size * size).fill(0.1);
  const many = new Float32Array(BATCH * size * size).fill(0.1);
  const first = photos[0] as Photo;
  const boxes = photos.map((p) => [p.face.box]);

  const net1 = median(await timeRuns(() => aligner.runCrops(one, 1), runs * 20, 5));
  const netBatch = median(await timeRuns(() => aligner.runCrops(many, BATCH), runs, 2));
  const step1 = median(
    await timeRuns(() => aligner.alignGrey(first.grey, [first.face.box]), runs * 20, 5),
  );
  const stepBatch = median(
    await timeRuns(
      () =>
        aligner.alignBatch(
          photos.map((p) => p.rgb),
          { boxes },
        ),
      runs,
      1,
    ),
  );

  // Detection + alignment, photo by photo (the detector loads in the warm-up call)
  const photo = median(
    await timeRuns(
      async () => {
        for (const p of photos) await aligner.align(p.rgb);
      },
      runs,
      1,
    ),
  );
  return {
    net1,
    netBatch: netBatch / BATCH,
    step1,
    stepBatch: stepBatch / photos.length,
    photo: photo / photos.length,
  };
}

/** face-api figures in ms, on the same boxes (its crops are extracted untimed). */
async function benchFaceApi(
  faceapi: FaceApiBench,
  photos: Photo[],
  runs: number,
): Promise<Record<string, number>> {
  const tensors = photos.map((p) =>
    faceapi.tf.tensor3d(toRgb(p.rgb), [p.rgb.height, p.rgb.width, 3], 'int32'),
  );
  const crops: { dispose(): void }[] = [];
  for (const [k, p] of photos.entries()) {
    const [crop] = await faceapi.extractFaceTensors(tensors[k] as object, [
      rect(faceapi, p.face.box),
    ]);
    crops.push(crop as { dispose(): void });
  }
  const landmarks = faceapi.nets.faceLandmark68Net;

  // The 68-point net: one crop, then all crops in one call
  const step1 = median(
    await timeRuns(() => landmarks.detectLandmarks(crops[0] as object), runs * 5, 3),
  );
  const stepBatch = median(
    await timeRuns(() => landmarks.detectLandmarks(crops), runs, 1),
  );

  // face-api's own pipeline: Tiny Face Detector, then the 68-point net
  const options = new faceapi.TinyFaceDetectorOptions({
    inputSize: 416,
    scoreThreshold: 0.5,
  });
  const photo = median(
    await timeRuns(
      async () => {
        for (const t of tensors)
          await faceapi.detectAllFaces(t, options).withFaceLandmarks();
      },
      runs,
      1,
    ),
  );
  for (const t of [...tensors, ...crops]) t.dispose();
  return {
    step1,
    stepBatch: stepBatch / crops.length,
    photo: photo / photos.length,
  };
}

/** A 1-based box as face-api's 0-based continuous rectangle. */
function rect(faceapi: FaceApiBench, box: Box): object {
  return new faceapi.Rect(
    box.left - 0.5,
    box.top - 0.5,
    box.right - box.left,
    box.bottom - box.top,
  );
}

/** Why dlib's shape predictor is not in the table. */
function dlibLine(): string {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import dlib'], { stdio: 'ignore' });
  } catch {
    return 'dlib: not timed (the Python module dlib is not installed on this machine).';
  }
  return 'dlib: installed, but this bench does not time it yet.';
}
