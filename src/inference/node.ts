/**
 * The Node entry of the aligner: models from the shipped default, a path or a
 * buffer; photos from paths, encoded bytes (decoded by sharp) or raw pixels; the
 * face-api detector when no boxes are given.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-node';

import { createNodeFaceDetector } from '../detection/node.js';
import type { BlazeFaceOptions } from '../detection/human.js';
import { createSession } from '../engine/session.js';
import { ModelFormatError } from '../errors.js';
import { readImage } from '../image/image.js';
import {
  Aligner,
  type AlignerOptions,
  type FaceDetector,
  type ImageInput,
} from './aligner.js';
import type { PixelImage } from './pixels.js';

/** The shipped 68-point model, `models/dmcl-68.onnx` in the package. */
export const DEFAULT_MODEL_PATH = fileURLToPath(
  new URL('../../models/dmcl-68.onnx', import.meta.url),
);

/** Load-time settings of `loadAligner`. */
export interface LoadAlignerOptions extends Pick<
  AlignerOptions,
  'scheme' | 'maxBatch' | 'refineDetected'
> {
  /** ONNX Runtime intra-op threads. Default: ONNX Runtime's choice (one per core). */
  threads?: number;
  /**
   * The detector for photos without boxes: a `FaceDetector`, settings of the
   * default BlazeFace detector, or `false` for none (boxes are then required).
   * Default: BlazeFace (through @vladmandic/human), loaded on first use.
   */
  detector?: FaceDetector | BlazeFaceOptions | false;
}

/**
 * Loads a DMCL model for aligning faces in Node.
 *
 * @param source a model path, the model's bytes, or nothing for the shipped
 *   68-point model
 * @throws ModelFormatError when the file cannot be read, or is not a DMCL model of
 *   a supported version and the expected scheme (default iBUG 68)
 * @example
 * const aligner = await loadAligner();
 * const faces = await aligner.align('photo.jpg'); // detects the faces
 * console.log(faces[0]?.landmarks); // [x1, y1, ..., x68, y68], 1-based pixels
 * await aligner.dispose();
 */
export async function loadAligner(
  source?: string | Uint8Array,
  options: LoadAlignerOptions = {},
): Promise<Aligner> {
  const path =
    typeof source === 'string'
      ? source
      : source === undefined
        ? DEFAULT_MODEL_PATH
        : undefined;
  const bytes = path === undefined ? (source as Uint8Array) : await readModel(path);

  // The detector: given, face-api with settings, or none
  const setting = options.detector;
  let detector: AlignerOptions['detector'];
  if (setting === undefined || (setting !== false && !('detect' in setting))) {
    detector = () => createNodeFaceDetector(setting ?? {});
  } else if (setting !== false) {
    detector = setting;
  }

  const settings: AlignerOptions = {
    source: path ?? 'model buffer',
    decode: decodeImage,
    createSession: (model) =>
      createSession(
        model,
        options.threads === undefined ? {} : { threads: options.threads },
      ),
  };
  if (options.scheme !== undefined) settings.scheme = options.scheme;
  if (options.maxBatch !== undefined) settings.maxBatch = options.maxBatch;
  if (options.refineDetected !== undefined) {
    settings.refineDetected = options.refineDetected;
  }
  if (detector !== undefined) settings.detector = detector;
  return Aligner.create(ort, bytes, settings);
}

/** Decodes a path or encoded bytes with sharp (raw pixels pass through). */
export async function decodeImage(input: ImageInput, name: string): Promise<PixelImage> {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  return readImage(input, name);
}

async function readModel(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ModelFormatError(
      `${path}: expected a DMCL .onnx model file, cannot read it (${code})`,
      {
        cause: error,
      },
    );
  }
}
