/**
 * The face detector in the browser: the shared BlazeFace wrapper of
 * `detection/human.ts` on Human's browser build, with TensorFlow.js on its
 * WebAssembly backend, the backend the Node detector uses, so both find the
 * same boxes. Weights and WASM files come from the page's own server.
 */

import { DataFormatError } from '../errors.js';
import {
  blazeFaceConfig,
  createBlazeFaceDetector,
  type BlazeFaceOptions,
  type HumanLike,
} from '../detection/human.js';
import type { FaceDetector } from '../inference/aligner.js';

/** Settings of `createWebFaceDetector`. */
export interface WebDetectorOptions extends BlazeFaceOptions {
  /**
   * Folder holding Human's BlazeFace weights (`blazeface.json`, `blazeface.bin`).
   * Default `human/` beside the page.
   */
  modelsUrl?: string;
  /**
   * Folder holding TensorFlow.js's WASM backend files (`tfjs-backend-wasm*.wasm`).
   * Default `tfjs/` beside the page.
   */
  wasmPaths?: string;
}

/** Human's browser build as used here. */
type HumanClass = new (config: Record<string, unknown>) => HumanLike & {
  load(): Promise<void>;
};

// Human keeps its models and TensorFlow.js backend in module globals
let loading: Promise<HumanLike> | undefined;

/**
 * The default detector in the browser, BlazeFace, with the box mapping learned
 * for it. Human and the weights load on the first call.
 *
 * @throws DataFormatError when the weights or WASM files cannot be fetched
 * @throws ConfigError for a setting out of range
 */
export async function createWebFaceDetector(
  options: WebDetectorOptions = {},
): Promise<FaceDetector> {
  const base = typeof document === 'undefined' ? location.href : document.baseURI;
  const modelsUrl = options.modelsUrl ?? new URL('human/', base).href;
  const wasmPaths = options.wasmPaths ?? new URL('tfjs/', base).href;

  // Human's browser build (the package's `module` entry) on TensorFlow.js WASM,
  // BlazeFace alone, as in Node
  loading ??= (async () => {
    const { Human } = (await import('@vladmandic/human')) as unknown as {
      Human: HumanClass;
    };
    const config = blazeFaceConfig(options);
    const face = config.face as { detector: Record<string, unknown> };
    const human = new Human({
      ...config,
      backend: 'wasm',
      wasmPath: wasmPaths,
      modelBasePath: modelsUrl,
      face: { ...face, detector: { ...face.detector, modelPath: 'blazeface.json' } },
    });
    try {
      await human.load();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new DataFormatError(modelsUrl, `expected Human's BlazeFace weights, ${why}`, {
        cause: error,
      });
    }
    return human;
  })();
  loading.catch(() => {
    loading = undefined;
  });

  return createBlazeFaceDetector(await loading, options);
}
