/**
 * The face-api detectors in Node: face-api's WebAssembly build on TensorFlow.js
 * (no native TensorFlow needed), weights read from the face-api package's own
 * `model/` folder. Nothing is downloaded.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { DataFormatError } from '../errors.js';
import type { FaceDetector } from '../inference/aligner.js';
import {
  createFaceApiDetector,
  type FaceApiDetectorOptions,
  type FaceApiModule,
} from './face-api.js';

/** face-api's network objects with their disk loaders (Node build only). */
interface LoadableNet {
  readonly isLoaded: boolean;
  loadFromDisk(path: string): Promise<void>;
}

/** The face-api module as its Node build exposes it. */
export type NodeFaceApi = FaceApiModule & {
  tf: { setBackend(name: string): Promise<boolean>; ready(): Promise<void> };
  nets: Record<'tinyFaceDetector' | 'ssdMobilenetv1' | 'faceLandmark68Net', LoadableNet>;
};

// face-api keeps its networks in module globals: one load serves every detector
let loading: Promise<NodeFaceApi> | undefined;

/**
 * face-api's Node WebAssembly build, with TensorFlow.js on its `wasm` backend.
 * Loaded once per process.
 */
export function loadFaceApi(): Promise<NodeFaceApi> {
  loading ??= (async () => {
    const mod =
      (await import('@vladmandic/face-api/dist/face-api.node-wasm.js')) as unknown as {
        default?: NodeFaceApi;
      } & NodeFaceApi;
    const faceapi = mod.default ?? mod;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    return faceapi;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** The folder of face-api's shipped weights. */
export function faceApiModelFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * Loads one of face-api's networks from the package's weights, once.
 *
 * @throws DataFormatError naming the folder when the weights cannot be read
 */
export async function loadFaceApiNet(
  faceapi: NodeFaceApi,
  name: 'tinyFaceDetector' | 'ssdMobilenetv1' | 'faceLandmark68Net',
): Promise<void> {
  const net = faceapi.nets[name];
  if (net.isLoaded) return;
  const folder = faceApiModelFolder();
  try {
    await net.loadFromDisk(folder);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(folder, `expected face-api's ${name} weights, ${why}`, {
      cause: error,
    });
  }
}

/**
 * The default face detector in Node: face-api's Tiny Face Detector (or SSD
 * MobileNet v1 with `model: 'ssd'`) on TensorFlow.js WebAssembly.
 *
 * @throws DataFormatError when face-api's weights cannot be read
 */
export async function createNodeFaceDetector(
  options: FaceApiDetectorOptions = {},
): Promise<FaceDetector> {
  const faceapi = await loadFaceApi();
  const model = options.model ?? 'tiny';
  await loadFaceApiNet(faceapi, model === 'tiny' ? 'tinyFaceDetector' : 'ssdMobilenetv1');
  return createFaceApiDetector(faceapi, options);
}
