/**
 * Where `dmcl eval --model` gets its predictor: the align API on ground-truth or
 * given boxes, without the face detector.
 */

import type { LandmarkPredictor } from '../evaluation/predict.js';
import { InvalidInputError } from '../errors.js';
import { loadAligner } from '../inference/node.js';
import type { Scheme } from '../scheme/scheme.js';

/**
 * Loads a trained model file as a predictor of faces in 1-based photo pixels.
 *
 * @throws ModelFormatError when the file is not a DMCL model of `scheme`
 */
export async function loadModelPredictor(
  path: string,
  scheme: Scheme,
): Promise<LandmarkPredictor> {
  const aligner = await loadAligner(path, { scheme, detector: false });
  return {
    async predict(image, boxes) {
      if (!(image.data instanceof Uint8Array)) {
        throw new InvalidInputError(`${path}: expected 8-bit grey photos for evaluation`);
      }
      const pixels = { data: image.data, width: image.width, height: image.height };
      const faces = await aligner.align({ ...pixels, channels: 1 }, { boxes });
      return faces.map((face) => face.landmarks);
    },
  };
}
