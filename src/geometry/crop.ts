/**
 * The DMCL face crop (method.md section 3, verified against the released binary) and
 * its exact inverse for mapping predictions back to the photo.
 */

import { ConfigError, InvalidInputError } from '../errors.js';
import { applyAffine, composeAffine, invertAffine, type Affine } from './affine.js';
import type { Box } from './box.js';

/**
 * Where a square crop lies in the photo: an affine map from crop pixel centres
 * (u, v), 0-based, to 1-based photo pixels. The plain DMCL crop is an axis-aligned
 * scale and shift; augmentation composes rotations and flips into the same type.
 */
export interface CropTransform {
  /** Side of the crop in pixels (the network input is size x size). */
  size: number;
  /** Crop pixel (u, v), 0-based, to 1-based photo pixel (x, y). */
  toPhoto: Affine;
}

/** Options of `cropTransform`. */
export interface CropOptions {
  /** Crop side in pixels. Default 50 (the DMCL network input). */
  size?: number;
  /** Factor by which the box's larger side is enlarged. Default 1.1. */
  enlarge?: number;
  /**
   * Reproduce the released binary's bug that takes the vertical centre as
   * `top - 1 + width / 2` instead of `top - 1 + height / 2`. Default false; only
   * for matching the authors' numbers.
   */
  verticalCentreBug?: boolean;
}

/**
 * The crop of method.md section 3 for a face box. With x0 = left - 1,
 * y0 = top - 1, w = right - left, h = bottom - top: centre (x0 + w/2, y0 + h/2),
 * half side r = enlarge/2 * max(w, h), scale s = (size - 1) / (2 r), and crop pixel
 * (u, v) lies at 1-based photo pixel (u/s + cx - r + 1, v/s + cy - r + 1), so the
 * crop's edge pixel centres 0 and size-1 land on the enlarged box's edges.
 *
 * @throws InvalidInputError for a box that is empty or not finite
 * @throws ConfigError for a size below 2 or an enlargement that is not positive
 */
export function cropTransform(box: Box, options: CropOptions = {}): CropTransform {
  const size = options.size ?? 50;
  const enlarge = options.enlarge ?? 1.1;
  if (!Number.isInteger(size) || size < 2) {
    throw new ConfigError(`crop size: expected an integer >= 2, found ${size}`);
  }
  if (!(enlarge > 0) || !Number.isFinite(enlarge)) {
    throw new ConfigError(`crop enlarge: expected a positive number, found ${enlarge}`);
  }

  // Box in 0-based pixels, its centre and the half side of the enlarged square
  const x0 = box.left - 1;
  const y0 = box.top - 1;
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const cx = x0 + w / 2;
  const cy = y0 + (options.verticalCentreBug === true ? w : h) / 2;
  const r = (enlarge / 2) * Math.max(w, h);
  if (!(r > 0) || !Number.isFinite(r) || !Number.isFinite(cx) || !Number.isFinite(cy)) {
    const found = `left ${box.left}, right ${box.right}, top ${box.top}, bottom ${box.bottom}`;
    throw new InvalidInputError(
      `cropTransform: expected a non-empty finite box, found ${found}`,
    );
  }

  // Crop pixel (u, v) -> 1-based photo pixel
  const s = (size - 1) / (2 * r);
  return {
    size,
    toPhoto: { a: 1 / s, b: 0, c: cx - r + 1, d: 0, e: 1 / s, f: cy - r + 1 },
  };
}

/** Maps interleaved 1-based photo points into crop pixels (0-based centres). */
export function photoToCrop(points: Float64Array, t: CropTransform): Float64Array {
  return applyAffine(invertAffine(t.toPhoto), points);
}

/** Maps interleaved crop points (0-based pixel centres) to 1-based photo pixels. */
export function cropToPhoto(points: Float64Array, t: CropTransform): Float64Array {
  return applyAffine(t.toPhoto, points);
}

/**
 * The same crop mirrored left-right: crop pixel u of the result shows what pixel
 * `size - 1 - u` of `t` shows.
 */
export function flipCropTransform(t: CropTransform): CropTransform {
  const mirror: Affine = { a: -1, b: 0, c: t.size - 1, d: 0, e: 1, f: 0 };
  return { size: t.size, toPhoto: composeAffine(t.toPhoto, mirror) };
}

/**
 * The four photo-space corners (1-based) of the crop's edge pixel centres, in the
 * order top-left, top-right, bottom-right, bottom-left: what overlays draw.
 */
export function cropCorners(t: CropTransform): Float64Array {
  const m = t.size - 1;
  return applyAffine(t.toPhoto, new Float64Array([0, 0, m, 0, m, m, 0, m]));
}
