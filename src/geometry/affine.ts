/**
 * 2-D affine maps `x' = a x + b y + c`, `y' = d x + e y + f`, applied to interleaved
 * point arrays.
 */

import { InvalidInputError } from '../errors.js';

/** An affine map: `x' = a x + b y + c`, `y' = d x + e y + f`. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** The identity map. */
export const IDENTITY_AFFINE: Readonly<Affine> = Object.freeze({
  a: 1,
  b: 0,
  c: 0,
  d: 0,
  e: 1,
  f: 0,
});

/** Applies `m` to interleaved points `[x1, y1, ...]`, returning a new array. */
export function applyAffine(m: Affine, points: Float64Array): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    out[i] = m.a * x + m.b * y + m.c;
    out[i + 1] = m.d * x + m.e * y + m.f;
  }
  return out;
}

/**
 * The inverse map.
 *
 * @throws InvalidInputError when `m` is singular (determinant 0 or not finite)
 */
export function invertAffine(m: Affine): Affine {
  const det = m.a * m.e - m.b * m.d;
  if (det === 0 || !Number.isFinite(det)) {
    throw new InvalidInputError(
      `invertAffine: expected an invertible map, determinant is ${det}`,
    );
  }
  const a = m.e / det;
  const b = -m.b / det;
  const d = -m.d / det;
  const e = m.a / det;
  return { a, b, c: -(a * m.c + b * m.f), d, e, f: -(d * m.c + e * m.f) };
}

/** The map `outer(inner(p))`. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  return {
    a: outer.a * inner.a + outer.b * inner.d,
    b: outer.a * inner.b + outer.b * inner.e,
    c: outer.a * inner.c + outer.b * inner.f + outer.c,
    d: outer.d * inner.a + outer.e * inner.d,
    e: outer.d * inner.b + outer.e * inner.e,
    f: outer.d * inner.c + outer.e * inner.f + outer.f,
  };
}

/**
 * Rotation by `angle` radians about (cx, cy). In image coordinates (y down) a
 * positive angle turns clockwise on screen.
 */
export function rotationAbout(angle: number, cx: number, cy: number): Affine {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return {
    a: cos,
    b: -sin,
    c: cx - cos * cx + sin * cy,
    d: sin,
    e: cos,
    f: cy - sin * cx - cos * cy,
  };
}
