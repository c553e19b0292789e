/**
 * The default face detector: BlazeFace as run by @vladmandic/human (the maintained
 * successor of face-api), whose weights ship inside its npm package. The Human
 * instance is injected, so the same code serves Human's Node WebAssembly build
 * (see `node.ts`) and its browser build. Browser-safe: no Node imports.
 */

import { ConfigError } from '../errors.js';
import type { FaceDetection, FaceDetector } from '../inference/aligner.js';
import type { BoxMapping } from '../inference/boxes.js';
import type { PixelImage } from '../inference/pixels.js';
import { learnedBoxMapping } from './mappings.js';

/** A tensor as Human's TensorFlow.js returns it (disposed after use). */
interface TensorLike {
  dispose(): void;
}

/** The parts of a loaded `Human` instance used here (any of Human's builds). */
export interface HumanLike {
  tf: {
    tensor4d(
      values: Uint8Array,
      shape: [number, number, number, number],
      dtype: 'float32',
    ): TensorLike;
  };
  detect(
    input: TensorLike,
    config?: Record<string, unknown>,
  ): Promise<{
    face: { boxRaw: [number, number, number, number]; boxScore: number }[];
    error?: string | null;
  }>;
}

/** Settings of the BlazeFace detector. */
export interface BlazeFaceOptions {
  /** Lowest score kept, 0..1. Default 0.5. */
  minScore?: number;
  /** Most faces kept per photo. Default 20. */
  maxFaces?: number;
  /**
   * The map from BlazeFace's boxes to the model's boxes. Default: the one learned
   * on 300-W training photos (`learnedBoxMapping`).
   */
  boxMapping?: BoxMapping;
  /** Called by `dispose()`. Default none. */
  onDispose?: () => Promise<void> | void;
}

/**
 * Human settings that run BlazeFace alone on still photos: every other model off,
 * no frame cache (each photo is detected afresh), no image filters, and photos
 * padded to a square before scaling (no stretched faces in wide photos).
 *
 * @throws ConfigError for a score outside 0..1 or a face count below 1
 */
export function blazeFaceConfig(options: BlazeFaceOptions = {}): Record<string, unknown> {
  const minScore = options.minScore ?? 0.5;
  const maxFaces = options.maxFaces ?? 20;
  if (!(minScore >= 0 && minScore <= 1)) {
    throw new ConfigError(
      `detector minScore: expected a number in 0..1, found ${minScore}`,
    );
  }
  if (!Number.isInteger(maxFaces) || maxFaces < 1) {
    throw new ConfigError(
      `detector maxFaces: expected a positive integer, found ${maxFaces}`,
    );
  }
  const off = { enabled: false };
  return {
    debug: false,
    cacheSensitivity: 0,
    warmup: 'none',
    filter: off,
    gesture: off,
    body: off,
    hand: off,
    object: off,
    segmentation: off,
    face: {
      enabled: true,
      detector: {
        rotation: false,
        square: true,
        maxDetected: maxFaces,
        minConfidence: minScore,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: off,
      iris: off,
      emotion: off,
      description: off,
      antispoof: off,
      liveness: off,
      attention: off,
      gear: off,
    },
  };
}

/**
 * A `FaceDetector` on a loaded Human instance (its BlazeFace model loaded).
 *
 * @throws ConfigError for settings out of range
 */
export function createBlazeFaceDetector(
  human: HumanLike,
  options: BlazeFaceOptions = {},
): FaceDetector {
  const config = blazeFaceConfig(options);
  return {
    name: 'BlazeFace (@vladmandic/human)',
    boxMapping: options.boxMapping ?? learnedBoxMapping('blazeface'),

    async detect(image: PixelImage): Promise<FaceDetection[]> {
      const { width, height } = image;
      const tensor = human.tf.tensor4d(toRgb(image), [1, height, width, 3], 'float32');
      let result;
      try {
        result = await human.detect(tensor, config);
      } finally {
        tensor.dispose();
      }
      if (typeof result.error === 'string' && result.error !== '') {
        throw new ConfigError(
          `BlazeFace: expected detections, Human reported "${result.error}"`,
        );
      }

      // boxRaw is [x, y, w, h] as shares of the photo; pixel i spans [i, i + 1)
      const faces = result.face.map(({ boxRaw: [x, y, w, h], boxScore }) => ({
        score: boxScore,
        box: {
          left: x * width + 0.5,
          right: (x + w) * width + 0.5,
          top: y * height + 0.5,
          bottom: (y + h) * height + 0.5,
        },
      }));
      return faces.sort((a, b) => b.score - a.score);
    },

    async dispose(): Promise<void> {
      await options.onDispose?.();
    },
  };
}

/** Interleaved RGB bytes of checked pixels (grey is repeated, alpha dropped). */
export function toRgb(image: PixelImage): Uint8Array {
  const channels = image.channels ?? 4;
  const n = image.width * image.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const r = image.data[j] as number;
    const colour = channels >= 3;
    rgb[3 * i] = r;
    rgb[3 * i + 1] = colour ? (image.data[j + 1] as number) : r;
    rgb[3 * i + 2] = colour ? (image.data[j + 2] as number) : r;
  }
  return rgb;
}
