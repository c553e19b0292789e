/**
 * Normalised mean error of one face (method.md section 7): the mean over the n
 * points of the point-to-point distance, divided by a named normaliser.
 */

import { ConfigError, InvalidInputError } from '../errors.js';
import { boxDiagonal, boxFromPoints, type Box } from '../geometry/box.js';
import type { NormaliserName, Scheme } from '../scheme/scheme.js';

/**
 * The normalising distance of a face, from its ground truth.
 *
 * @param truth ground-truth points, interleaved
 * @param box for `box-diagonal`: the face box. Default: the tight box of `truth`.
 * @throws ConfigError when the scheme has no data for the normaliser
 * @throws InvalidInputError when the distance is not positive and finite
 */
export function normaliserDistance(
  truth: Float64Array,
  scheme: Scheme,
  normaliser: NormaliserName,
  box?: Box,
): number {
  checkLength(truth, scheme, 'truth');
  let distance: number;
  if (normaliser === 'box-diagonal') {
    distance = boxDiagonal(box ?? boxFromPoints(truth));
  } else if (normaliser === 'eye-centroid') {
    const sets = scheme.normalisers['eye-centroid'];
    if (sets === undefined) throw missing(scheme, normaliser);
    const [ax, ay] = centroid(truth, sets[0]);
    const [bx, by] = centroid(truth, sets[1]);
    distance = Math.hypot(ax - bx, ay - by);
  } else if (normaliser === 'outer-eye-corners') {
    const pair = scheme.normalisers['outer-eye-corners'];
    if (pair === undefined) throw missing(scheme, normaliser);
    const [a, b] = pair;
    distance = Math.hypot(
      (truth[2 * a] as number) - (truth[2 * b] as number),
      (truth[2 * a + 1] as number) - (truth[2 * b + 1] as number),
    );
  } else {
    throw new ConfigError(
      `normaliser: expected eye-centroid, outer-eye-corners or box-diagonal, found ${String(normaliser)}`,
    );
  }

  if (!(distance > 0) || !Number.isFinite(distance)) {
    throw new InvalidInputError(
      `${normaliser}: expected a positive normalising distance, found ${distance}`,
    );
  }
  return distance;
}

/**
 * Euclidean distance of every predicted point from its ground truth, in the units
 * of the inputs (usually photo pixels).
 *
 * @throws InvalidInputError when the arrays differ in length or are odd
 */
export function pointErrors(pred: Float64Array, truth: Float64Array): Float64Array {
  if (pred.length !== truth.length || pred.length % 2 !== 0) {
    const found = `${pred.length} and ${truth.length} values`;
    throw new InvalidInputError(
      `pointErrors: expected two equal interleaved arrays, found ${found}`,
    );
  }
  const out = new Float64Array(pred.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.hypot(
      (pred[2 * i] as number) - (truth[2 * i] as number),
      (pred[2 * i + 1] as number) - (truth[2 * i + 1] as number),
    );
  }
  return out;
}

/**
 * NME of one face: mean point error divided by the normaliser (a fraction; 0.0851
 * is 8.51 %).
 *
 * @param box for `box-diagonal`: the face box. Default: the tight box of `truth`.
 * @throws ConfigError when the scheme lacks the normaliser
 * @throws InvalidInputError for arrays of the wrong length or a zero normaliser
 */
export function nmePerFace(
  pred: Float64Array,
  truth: Float64Array,
  scheme: Scheme,
  normaliser: NormaliserName,
  box?: Box,
): number {
  checkLength(pred, scheme, 'pred');
  const errors = pointErrors(pred, truth);
  let sum = 0;
  for (const e of errors) sum += e;
  return sum / errors.length / normaliserDistance(truth, scheme, normaliser, box);
}

function centroid(points: Float64Array, indices: number[]): [number, number] {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    x += points[2 * i] as number;
    y += points[2 * i + 1] as number;
  }
  return [x / indices.length, y / indices.length];
}

function checkLength(points: Float64Array, scheme: Scheme, what: string): void {
  if (points.length !== 2 * scheme.numPoints) {
    const expected = `${2 * scheme.numPoints} values (${scheme.numPoints} points, ${scheme.name})`;
    throw new InvalidInputError(`${what}: expected ${expected}, found ${points.length}`);
  }
}

function missing(scheme: Scheme, normaliser: NormaliserName): ConfigError {
  return new ConfigError(
    `normaliser ${normaliser}: scheme ${scheme.name} has no points for it; use box-diagonal`,
  );
}
