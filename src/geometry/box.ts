/**
 * Face boxes in 1-based photo pixels, as in the 300-W protocol.
 */

import { InvalidInputError } from '../errors.js';

/**
 * A face box in 1-based photo pixel coordinates (the top-left pixel centre is
 * (1, 1)), as 300-W and the DMCL binaries use them. Width is `right - left`.
 */
export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * The tight box of interleaved points `[x1, y1, x2, y2, ...]`: the 300-W test box.
 *
 * @throws InvalidInputError when there are no points or a coordinate is not finite
 */
export function boxFromPoints(points: Float64Array): Box {
  if (points.length < 2 || points.length % 2 !== 0) {
    const what = `found ${points.length} values`;
    throw new InvalidInputError(
      `boxFromPoints: expected interleaved x, y pairs, ${what}`,
    );
  }

  // Extremes over x and y separately
  let left = Infinity;
  let right = -Infinity;
  let top = Infinity;
  let bottom = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      const what = `point ${i / 2 + 1} is (${x}, ${y})`;
      throw new InvalidInputError(`boxFromPoints: expected finite coordinates, ${what}`);
    }
    if (x < left) left = x;
    if (x > right) right = x;
    if (y < top) top = y;
    if (y > bottom) bottom = y;
  }
  return { left, right, top, bottom };
}

/** Width `right - left` of a box. */
export function boxWidth(box: Box): number {
  return box.right - box.left;
}

/** Height `bottom - top` of a box. */
export function boxHeight(box: Box): number {
  return box.bottom - box.top;
}

/** Diagonal length of a box, the `box-diagonal` normaliser. */
export function boxDiagonal(box: Box): number {
  return Math.hypot(box.right - box.left, box.bottom - box.top);
}

/**
 * Checks that a value is a usable box (finite numbers, right >= left, bottom >= top,
 * not both sides zero) and returns a copy.
 *
 * @param source the file or argument that error messages name
 * @throws InvalidInputError saying which field is wrong
 */
export function validateBox(value: unknown, source: string): Box {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const fields = ['left', 'right', 'top', 'bottom'] as const;
  for (const field of fields) {
    const v = raw[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const found = v === undefined ? 'nothing' : JSON.stringify(v);
      throw new InvalidInputError(
        `${source}: box.${field}: expected a finite number, found ${found}`,
      );
    }
  }

  // Orientation and size
  const box = {
    left: raw.left as number,
    right: raw.right as number,
    top: raw.top as number,
    bottom: raw.bottom as number,
  };
  if (box.right < box.left || box.bottom < box.top) {
    const found = `left ${box.left}, right ${box.right}, top ${box.top}, bottom ${box.bottom}`;
    throw new InvalidInputError(
      `${source}: box: expected right >= left and bottom >= top, found ${found}`,
    );
  }
  if (box.right === box.left && box.bottom === box.top) {
    throw new InvalidInputError(
      `${source}: box: expected a non-empty box, found a single point`,
    );
  }
  return box;
}
