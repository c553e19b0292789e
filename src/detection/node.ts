/**
 * Face detectors in Node, on TensorFlow.js's WebAssembly backend (no native
 * TensorFlow needed), with weights read from the npm packages' own folders.
 * Nothing is downloaded.
 *
 * - BlazeFace through @vladmandic/human: the default (a dependency of dmcl).
 * - face-api's Tiny Face Detector and SSD MobileNet v1 through
 *   @vladmandic/face-api: optional, for comparisons; needs `@vladmandic/face-api`
 *   and `@tensorflow/tfjs` installed (devDependencies of dmcl).
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type * as TF from '@tensorflow/tfjs-core';

import { ConfigError, DataFormatError } from '../errors.js';
import type { FaceDetector } from '../inference/aligner.js';
import {
  createFaceApiDetector,
  type FaceApiDetectorOptions,
  type FaceApiModule,
} from './face-api.js';
import {
  createBlazeFaceDetector,
  type BlazeFaceOptions,
  type HumanLike,
} from './human.js';

const require = createRequire(import.meta.url);

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

// Both libraries keep their networks in module globals: one load per process
let humanLoading: Promise<HumanLike> | undefined;
let faceApiLoading: Promise<NodeFaceApi> | undefined;

/**
 * The default face detector in Node: BlazeFace through Human's WebAssembly build.
 * Human and its BlazeFace weights load once per process.
 *
 * @throws DataFormatError when Human's weights cannot be read
 */
export async function createNodeFaceDetector(
  options: BlazeFaceOptions = {},
): Promise<FaceDetector> {
  return createBlazeFaceDetector(await loadHuman(), options);
}

/** Human's Node WebAssembly build, loaded with BlazeFace alone. */
export function loadHuman(): Promise<HumanLike> {
  humanLoading ??= (async () => {
    // Human's package exports block deep imports: find its dist folder by its main file
    const dist = dirname(require.resolve('@vladmandic/human'));
    const mod = (await import(pathToFileURL(join(dist, 'human.node-wasm.js')).href)) as {
      Human: new (
        config: Record<string, unknown>,
      ) => HumanLike & { load(): Promise<void> };
    };
    registerFileLoader(await import('@tensorflow/tfjs-core'));
    const models = join(dist, '..', 'models');
    const human = new mod.Human({
      backend: 'wasm',
      wasmPath: join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'),
      modelBasePath: `${pathToFileURL(models).href}/`,
      debug: false,
      face: {
        enabled: true,
        detector: { modelPath: 'blazeface.json' },
        mesh: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      segmentation: { enabled: false },
    });
    await human.load();
    return human;
  })();
  humanLoading.catch(() => {
    humanLoading = undefined;
  });
  return humanLoading;
}

/**
 * face-api's Node WebAssembly build, with TensorFlow.js on its `wasm` backend.
 *
 * @throws ConfigError when @vladmandic/face-api or @tensorflow/tfjs is not installed
 */
export function loadFaceApi(): Promise<NodeFaceApi> {
  faceApiLoading ??= (async () => {
    let mod: { default?: NodeFaceApi } & NodeFaceApi;
    try {
      mod =
        (await import('@vladmandic/face-api/dist/face-api.node-wasm.js')) as unknown as {
          default?: NodeFaceApi;
        } & NodeFaceApi;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ConfigError(
        `face-api detector: expected @vladmandic/face-api and @tensorflow/tfjs installed, ${why}`,
        { cause: error },
      );
    }
    const faceapi = mod.default ?? mod;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    return faceapi;
  })();
  faceApiLoading.catch(() => {
    faceApiLoading = undefined;
  });
  return faceApiLoading;
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
  const folder = join(
    dirname(require.resolve('@vladmandic/face-api/package.json')),
    'model',
  );
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
 * face-api's Tiny Face Detector (or SSD MobileNet v1 with `model: 'ssd'`) in Node.
 *
 * @throws ConfigError when face-api is not installed
 * @throws DataFormatError when its weights cannot be read
 */
export async function createFaceApiNodeDetector(
  options: FaceApiDetectorOptions = {},
): Promise<FaceDetector> {
  const faceapi = await loadFaceApi();
  const model = options.model ?? 'tiny';
  await loadFaceApiNet(faceapi, model === 'tiny' ? 'tinyFaceDetector' : 'ssdMobilenetv1');
  return createFaceApiDetector(faceapi, options);
}

let fileLoaderRegistered = false;

/**
 * Lets TensorFlow.js load `file://` graph models (model JSON plus weight files)
 * from disk, as only the native tfjs-node build does by itself.
 */
function registerFileLoader(tf: typeof TF): void {
  if (fileLoaderRegistered) return;
  fileLoaderRegistered = true;
  // A router answers null for URLs it does not handle (the type says otherwise)
  const router = (url: string | string[]): TF.io.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    return { load: () => loadGraphFiles(fileURLToPath(url)) };
  };
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
}

/** A graph model's JSON and weights as TensorFlow.js model artifacts. */
async function loadGraphFiles(path: string): Promise<TF.io.ModelArtifacts> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as TF.io.ModelJSON;
    const groups = json.weightsManifest;
    const parts = await Promise.all(
      groups.flatMap((g) => g.paths).map((p) => readFile(join(dirname(path), p))),
    );
    const weights = Buffer.concat(parts);
    return {
      ...json,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(
        weights.byteOffset,
        weights.byteOffset + weights.length,
      ),
    };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(path, `expected a TensorFlow.js graph model, ${why}`, {
      cause: error,
    });
  }
}
