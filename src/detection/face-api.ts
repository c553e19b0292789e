/**
 * Face detection with @vladmandic/face-api's detectors (Tiny Face Detector, or
 * SSD MobileNet v1), whose weights ship inside the npm package. The face-api
 * module is injected, so the same code runs on its Node build (TensorFlow.js on
 * WebAssembly, see `node.ts`) and its browser build. Browser-safe: no Node imports.
 */

import { ConfigError } from '../errors.js';
import type { FaceDetection, FaceDetector } from '../inference/aligner.js';
import type { BoxMapping } from '../inference/boxes.js';
import type { PixelImage } from '../inference/pixels.js';
import { toRgb } from './human.js';
import { learnedBoxMapping } from './mappings.js';

/** The face-api detectors this package wraps. */
export type FaceApiModel = 'tiny' | 'ssd';

/** A tensor as face-api returns it (disposed after use). */
interface TensorLike {
  dispose(): void;
}

/** The parts of a face-api network object used here. */
interface NetLike {
  readonly isLoaded: boolean;
}

/**
 * The parts of the face-api module used here; both `face-api.node-wasm.js` and
 * `face-api.esm.js` fit.
 */
export interface FaceApiModule {
  tf: {
    tensor3d(
      values: Uint8Array,
      shape: [number, number, number],
      dtype: 'int32',
    ): TensorLike;
  };
  nets: { tinyFaceDetector: NetLike; ssdMobilenetv1: NetLike };
  TinyFaceDetectorOptions: new (options: {
    inputSize?: number;
    scoreThreshold?: number;
  }) => object;
  SsdMobilenetv1Options: new (options: {
    minConfidence?: number;
    maxResults?: number;
  }) => object;
  detectAllFaces(
    input: TensorLike,
    options: object,
  ): PromiseLike<
    { score: number; box: { x: number; y: number; width: number; height: number } }[]
  >;
}

/** Settings of `createFaceApiDetector`. */
export interface FaceApiDetectorOptions {
  /** Which detector: `tiny` (Tiny Face Detector) or `ssd` (SSD MobileNet v1). Default `tiny`. */
  model?: FaceApiModel;
  /** Lowest score kept, 0..1. Default 0.5. */
  minScore?: number;
  /**
   * Tiny Face Detector's input side in pixels, a multiple of 32 from 128 to 608:
   * larger finds smaller faces, more slowly. Default 416.
   */
  inputSize?: number;
  /**
   * The map from this detector's boxes to the model's boxes. Default: the one
   * learned on 300-W training photos for this detector (`learnedBoxMapping`).
   */
  boxMapping?: BoxMapping;
  /** Called by `dispose()`, e.g. to free the networks. Default none. */
  onDispose?: () => Promise<void> | void;
}

/**
 * A `FaceDetector` on a face-api module whose detector network is loaded.
 *
 * @throws ConfigError when the chosen network is not loaded or a setting is out of range
 */
export function createFaceApiDetector(
  faceapi: FaceApiModule,
  options: FaceApiDetectorOptions = {},
): FaceDetector {
  const model = options.model ?? 'tiny';
  const minScore = options.minScore ?? 0.5;
  const inputSize = options.inputSize ?? 416;
  if (model !== 'tiny' && model !== 'ssd') {
    throw new ConfigError(
      `detector model: expected "tiny" or "ssd", found "${String(model)}"`,
    );
  }
  if (!(minScore >= 0 && minScore <= 1)) {
    throw new ConfigError(
      `detector minScore: expected a number in 0..1, found ${minScore}`,
    );
  }
  if (
    !Number.isInteger(inputSize) ||
    inputSize % 32 !== 0 ||
    inputSize < 128 ||
    inputSize > 608
  ) {
    throw new ConfigError(
      `detector inputSize: expected a multiple of 32 in 128..608, found ${inputSize}`,
    );
  }
  const net =
    model === 'tiny' ? faceapi.nets.tinyFaceDetector : faceapi.nets.ssdMobilenetv1;
  if (!net.isLoaded) {
    throw new ConfigError(
      `face-api ${model} detector: expected loaded weights, found none`,
    );
  }
  const settings =
    model === 'tiny'
      ? new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: minScore })
      : new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 });

  return {
    name: model === 'tiny' ? 'face-api Tiny Face Detector' : 'face-api SSD MobileNet v1',
    boxMapping: options.boxMapping ?? learnedBoxMapping(model),

    async detect(image: PixelImage): Promise<FaceDetection[]> {
      const tensor = faceapi.tf.tensor3d(
        toRgb(image),
        [image.height, image.width, 3],
        'int32',
      );
      let found;
      try {
        found = await faceapi.detectAllFaces(tensor, settings);
      } finally {
        tensor.dispose();
      }

      // face-api boxes are continuous, 0-based: a pixel i spans [i, i + 1)
      const faces = found.map(({ score, box }) => ({
        score,
        box: {
          left: box.x + 0.5,
          right: box.x + box.width + 0.5,
          top: box.y + 0.5,
          bottom: box.y + box.height + 0.5,
        },
      }));
      return faces.sort((a, b) => b.score - a.score);
    },

    async dispose(): Promise<void> {
      await options.onDispose?.();
    },
  };
}
