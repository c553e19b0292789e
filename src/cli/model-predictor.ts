/**
 * Where `dmcl eval --model` gets its predictor: the align API on ground-truth or
 * given boxes, without the face detector.
 */

import type { LandmarkPredictor } from '../evaluation/predict.js';
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
  return { predict: (image, boxes) => aligner.alignGrey(image, boxes) };
}
