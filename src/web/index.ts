/**
 * The browser entry of the library: the shared inference core (`Aligner`: crop,
 * model, mapping back, detection) on ONNX Runtime Web, WASM or WebGPU. Only
 * decoding differs from Node: the browser decodes (see `decode.ts`), the core
 * takes the pixels from there.
 *
 * The model and ONNX Runtime's WASM files are fetched from the page's own server
 * (`modelUrl`, `wasmPaths`), never from a CDN; the demo's build copies them.
 */

import * as ort from 'onnxruntime-web';

import { ConfigError, DataFormatError } from '../errors.js';
import { boxFromPoints, type Box } from '../geometry/box.js';
import type { CropTransform } from '../geometry/crop.js';
import {
  Aligner,
  type FaceDetector,
  type OrtModule,
  type OrtSessionLike,
} from '../inference/aligner.js';
import { mapDetectorBox } from '../inference/boxes.js';
import type { PixelImage } from '../inference/pixels.js';
import { createWebFaceDetector, type WebDetectorOptions } from './detector.js';

export { boxFromPoints, type Box } from '../geometry/box.js';
export * from '../smoothing/index.js';
export * from './decode.js';
export * from './detector.js';
export * from './tracking.js';

/** The ONNX Runtime Web backends the browser aligner runs on. */
export type WebBackend = 'wasm' | 'webgpu';

/** Settings of `loadAligner`. */
export interface WebAlignerOptions {
  /** Address of the `.onnx` model. Default `models/dmcl-68.onnx` beside the page. */
  modelUrl?: string;
  /**
   * Address of the folder holding ONNX Runtime Web's `.wasm` and `.mjs` files.
   * Default `ort/` beside the page.
   */
  wasmPaths?: string;
  /**
   * Backend. Default: `webgpu` when the browser offers a WebGPU adapter, else
   * `wasm`; a WebGPU session that fails to start falls back to `wasm`.
   */
  backend?: WebBackend;
  /**
   * WASM threads. Default: 1, or up to 4 when the page is cross-origin isolated
   * (threads need SharedArrayBuffer).
   */
  numThreads?: number;
  /**
   * The detector for photos aligned without boxes: a `FaceDetector`, settings of
   * the browser face-api detector (`createWebFaceDetector`), or `false` for none
   * (boxes are then required). Default: face-api's Tiny Face Detector, with its
   * weights from `face-api/` and TensorFlow.js's WASM files from `tfjs/` beside
   * the page, loaded on first use.
   */
  detector?: FaceDetector | WebDetectorOptions | false;
}

/** One aligned face, all coordinates 1-based photo pixels. */
export interface WebFace {
  /** The box the crop was made from (the model's box convention). */
  box: Box;
  /** Interleaved `[x1, y1, ...]` landmarks in the scheme's order. */
  points: Float64Array;
  /** The detector's confidence, when the face was detected. */
  score?: number;
  /** Where the network's crop lies in the photo. */
  transform: CropTransform;
}

/** The faces of one photo or frame and the milliseconds each stage took. */
export interface WebAlignment {
  /** Faces, best first (or in the order of the boxes given); may be empty. */
  faces: WebFace[];
  /** `detect` (when run), `model` (inside ONNX Runtime), `crop & map` (the rest). */
  timings: Record<string, number>;
}

/** A loaded model in the browser. */
export interface WebAligner {
  /** The backend the session runs on. */
  readonly backend: WebBackend;
  /** The model's ONNX metadata (format, version, scheme...). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The shared core, for everything else it offers. */
  readonly aligner: Aligner;
  /**
   * Aligns the faces of one photo or video frame.
   *
   * @param options `boxes` in the model's convention skip detection. Default:
   *   detect.
   */
  align(image: PixelImage, options?: { boxes?: readonly Box[] }): Promise<WebAlignment>;
  /** Releases the session and the detector. */
  dispose(): Promise<void>;
}

/**
 * Loads the model with ONNX Runtime Web.
 *
 * @throws ModelFormatError for a file of another format, version or scheme
 * @throws DataFormatError when the model cannot be fetched
 * @throws ConfigError when the WebGPU backend is asked for where there is none
 */
export async function loadAligner(options: WebAlignerOptions = {}): Promise<WebAligner> {
  const base = typeof document === 'undefined' ? location.href : document.baseURI;
  const modelUrl = options.modelUrl ?? new URL('models/dmcl-68.onnx', base).href;
  ort.env.wasm.wasmPaths = options.wasmPaths ?? new URL('ort/', base).href;
  ort.env.wasm.numThreads = options.numThreads ?? defaultThreads();

  // The model's bytes from the page's server
  const response = await fetch(modelUrl);
  if (!response.ok) {
    throw new DataFormatError(
      modelUrl,
      `expected the model, found HTTP ${response.status}`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());

  // Session on the asked or best backend; WebGPU falls back to WASM when unasked
  const wanted = options.backend ?? ((await hasWebGpu()) ? 'webgpu' : 'wasm');
  if (options.backend === 'webgpu' && !(await hasWebGpu())) {
    throw new ConfigError(
      'backend: expected a browser with a WebGPU adapter, found none',
    );
  }
  const timer = { model: 0 };
  const create = (backend: WebBackend): Promise<Aligner> =>
    Aligner.create(ort as unknown as OrtModule, bytes, {
      source: modelUrl,
      createSession: async (model) => {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: [backend],
          graphOptimizationLevel: 'all',
        });
        return timed(session as unknown as OrtSessionLike, timer);
      },
    });
  let backend: WebBackend = wanted;
  let aligner: Aligner;
  try {
    aligner = await create(wanted);
  } catch (error) {
    if (wanted !== 'webgpu' || options.backend === 'webgpu') throw error;
    backend = 'wasm';
    aligner = await create('wasm');
  }

  // The detector, created on first use and owned here so its time can be told
  let detector: Promise<FaceDetector> | undefined;
  const getDetector = (): Promise<FaceDetector> => {
    const given = options.detector ?? {};
    if (given === false) {
      const problem =
        'expected face boxes, or an aligner loaded with a detector, found neither';
      return Promise.reject(new ConfigError(`align: ${problem}`));
    }
    detector ??=
      'detect' in given ? Promise.resolve(given) : createWebFaceDetector(given);
    return detector;
  };

  return {
    backend,
    metadata: aligner.info.metadata,
    aligner,
    align: (image, alignOptions = {}) =>
      alignTimed(aligner, getDetector, timer, image, alignOptions),
    async dispose() {
      await aligner.dispose();
      await (await detector?.catch(() => undefined))?.dispose();
    },
  };
}

/** Runs detection (unless boxes are given) and alignment, timing each stage. */
async function alignTimed(
  aligner: Aligner,
  getDetector: () => Promise<FaceDetector>,
  timer: { model: number },
  image: PixelImage,
  options: { boxes?: readonly Box[] },
): Promise<WebAlignment> {
  const timings: Record<string, number> = {};
  let boxes = options.boxes;
  let scores: number[] | undefined;

  // Detection through the core's detector, boxes mapped to the model's convention
  if (boxes === undefined) {
    const t0 = performance.now();
    const detector = await getDetector();
    const found = await detector.detect(image);
    boxes = found.map((d) => mapDetectorBox(d.box, detector.boxMapping));
    scores = found.map((d) => d.score);
    timings.detect = performance.now() - t0;
  }

  // Grey, crop, model and map back in the core; the model's share from the session
  timer.model = 0;
  const t1 = performance.now();
  let faces = await aligner.align(image, { boxes });

  // Detected faces: a second pass at the tight box of the first pass's landmarks,
  // as the Node aligner does (AlignerOptions.refineDetected).
  if (options.boxes === undefined && faces.length > 0) {
    faces = await aligner.align(image, {
      boxes: faces.map((f) => boxFromPoints(f.landmarks)),
    });
  }
  const total = performance.now() - t1;
  timings['crop & map'] = total - timer.model;
  timings.model = timer.model;
  return {
    faces: faces.map((face, i) => ({
      box: face.box,
      points: face.landmarks,
      transform: face.transform,
      ...(scores?.[i] === undefined ? {} : { score: scores[i] }),
    })),
    timings,
  };
}

/**
 * A session whose `run` adds its time to `timer.model`: how the page tells the
 * network's time from the crop and mapping around it.
 */
function timed(session: OrtSessionLike, timer: { model: number }): OrtSessionLike {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const t0 = performance.now();
      try {
        return await session.run(feeds);
      } finally {
        timer.model += performance.now() - t0;
      }
    },
    release: () => session.release(),
  };
}

/** Whether the browser offers a WebGPU adapter. */
async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu === undefined) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

function defaultThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated === true ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
}
