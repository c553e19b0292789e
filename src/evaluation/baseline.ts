/**
 * The trivial baseline: the mean training shape placed in each face box. Any
 * trained model must beat it.
 */

import { InvalidInputError } from '../errors.js';
import type { Box } from '../geometry/box.js';

/**
 * The mean shape of faces in box-relative coordinates: each point as
 * ((x - left) / width, (y - top) / height) of its face box, averaged over faces.
 *
 * @throws InvalidInputError for no faces, unequal point counts or an empty box
 */
export function meanShape(
  faces: readonly { points: Float64Array; box: Box }[],
): Float64Array {
  const first = faces[0];
  if (first === undefined)
    throw new InvalidInputError('meanShape: expected at least one face');
  const sum = new Float64Array(first.points.length);

  for (const [k, face] of faces.entries()) {
    const { points, box } = face;
    const w = box.right - box.left;
    const h = box.bottom - box.top;
    if (points.length !== sum.length || !(w > 0) || !(h > 0)) {
      const found = `${points.length / 2} points in a ${w} x ${h} box`;
      throw new InvalidInputError(
        `meanShape: face ${k + 1}: expected ${sum.length / 2} points in a non-empty box, found ${found}`,
      );
    }
    for (let i = 0; i < sum.length; i += 2) {
      sum[i] = (sum[i] as number) + ((points[i] as number) - box.left) / w;
      sum[i + 1] = (sum[i + 1] as number) + ((points[i + 1] as number) - box.top) / h;
    }
  }
  return sum.map((v) => v / faces.length);
}

/** Places a box-relative shape (from `meanShape`) in a face box, in photo pixels. */
export function placeShape(shape: Float64Array, box: Box): Float64Array {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const out = new Float64Array(shape.length);
  for (let i = 0; i < shape.length; i += 2) {
    out[i] = box.left + (shape[i] as number) * w;
    out[i + 1] = box.top + (shape[i + 1] as number) * h;
  }
  return out;
}
