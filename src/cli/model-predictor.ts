/**
 * Where `dmcl eval --model` gets its predictor. The inference engine plugs in here.
 */

import { ConfigError } from '../errors.js';
import type { LandmarkPredictor } from '../evaluation/predict.js';
import type { Scheme } from '../scheme/scheme.js';

/**
 * Loads a trained model file as a predictor of faces in 1-based photo pixels.
 *
 * @throws ConfigError until an inference engine is wired in here
 */
export async function loadModelPredictor(
  path: string,
  scheme: Scheme,
): Promise<LandmarkPredictor> {
  throw new ConfigError(
    `--model ${path}: expected an inference engine for ${scheme.name} models, found none in ` +
      'this build; write predictions with the model and pass them with --predictions',
  );
}
