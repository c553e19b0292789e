/**
 * Face boxes at inference time: checking a caller's box against the photo, and
 * turning a face detector's box into the box convention the model was trained on
 * (the tight box of the 68 annotated points, method.md section 3). The model is
 * sensitive to that convention, so a detector's boxes go through a mapping learned
 * on training photos (scripts/fit-box-mapping.ts). Browser-safe: no Node imports.
 */

import { median } from '../bench/stats.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { validateBox, type Box } from '../geometry/box.js';

/**
 * A detector box to model box map, relative to the detector box so that it holds
 * at every face size: with the detector box's centre (cx, cy) and size (w, h), the
 * model box has centre (cx + dx w, cy + dy h) and size (sx w, sy h).
 */
export interface BoxMapping {
  /** Horizontal centre shift, a share of the detector box's width. */
  dx: number;
  /** Vertical centre shift, a share of the detector box's height. */
  dy: number;
  /** Model box width over detector box width. */
  sx: number;
  /** Model box height over detector box height. */
  sy: number;
}

/** The mapping that keeps a box as it is. */
export const IDENTITY_BOX_MAPPING: Readonly<BoxMapping> = Object.freeze({
  dx: 0,
  dy: 0,
  sx: 1,
  sy: 1,
});

/**
 * Checks a face box given for a photo: finite, right > left and bottom > top, and
 * overlapping the photo (1-based pixels: the photo covers 0.5 .. width + 0.5).
 * A box may reach past the photo's edges; the crop fills that part with grey.
 *
 * @param source what error messages call the box, e.g. `photo.jpg: boxes[2]`
 * @throws InvalidInputError saying which condition fails and the box received
 */
export function checkBoxInPhoto(
  value: unknown,
  width: number,
  height: number,
  source: string,
): Box {
  const box = validateBox(value, source);
  const found = `left ${box.left}, right ${box.right}, top ${box.top}, bottom ${box.bottom}`;
  if (!(box.right > box.left && box.bottom > box.top)) {
    throw new InvalidInputError(
      `${source}: expected a box with right > left and bottom > top, found ${found}`,
    );
  }
  const outside =
    box.right <= 0.5 ||
    box.left >= width + 0.5 ||
    box.bottom <= 0.5 ||
    box.top >= height + 0.5;
  if (outside) {
    const photo = `the ${width}x${height} photo (x and y in 0.5 .. size + 0.5)`;
    throw new InvalidInputError(
      `${source}: expected a box overlapping ${photo}, found ${found}`,
    );
  }
  return box;
}

/** Applies a `BoxMapping` to a detector box. */
export function mapDetectorBox(box: Box, mapping: BoxMapping): Box {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const cx = (box.left + box.right) / 2 + mapping.dx * w;
  const cy = (box.top + box.bottom) / 2 + mapping.dy * h;
  const halfW = (mapping.sx * w) / 2;
  const halfH = (mapping.sy * h) / 2;
  return { left: cx - halfW, right: cx + halfW, top: cy - halfH, bottom: cy + halfH };
}

/**
 * Fits a `BoxMapping` from pairs of detector boxes and target boxes (e.g. the
 * tight boxes of annotated points) of the same faces: each parameter is the median
 * of its per-face value, which a few poorly matched pairs do not move.
 *
 * @throws ConfigError when there are no pairs
 */
export function fitBoxMapping(
  pairs: readonly { detected: Box; target: Box }[],
): BoxMapping {
  if (pairs.length === 0) {
    throw new ConfigError('fitBoxMapping: expected at least one box pair, found none');
  }
  const dx: number[] = [];
  const dy: number[] = [];
  const sx: number[] = [];
  const sy: number[] = [];
  for (const { detected: d, target: t } of pairs) {
    const w = d.right - d.left;
    const h = d.bottom - d.top;
    dx.push(((t.left + t.right) / 2 - (d.left + d.right) / 2) / w);
    dy.push(((t.top + t.bottom) / 2 - (d.top + d.bottom) / 2) / h);
    sx.push((t.right - t.left) / w);
    sy.push((t.bottom - t.top) / h);
  }
  return { dx: median(dx), dy: median(dy), sx: median(sx), sy: median(sy) };
}

/** Intersection over union of two boxes (0 when either is empty). */
export function boxIou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left));
  const ih = Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const inter = iw * ih;
  const areaA = Math.max(0, a.right - a.left) * Math.max(0, a.bottom - a.top);
  const areaB = Math.max(0, b.right - b.left) * Math.max(0, b.bottom - b.top);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}
