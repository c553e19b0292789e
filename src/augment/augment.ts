/**
 * Training augmentation (method.md section 6): rotate the face about its box
 * centre, take the box of the rotated landmarks, jitter it in scale and shift, crop,
 * flip with the scheme's left/right permutation, and change brightness and
 * contrast. Image and points always go through the same transform. JPEG
 * re-compression is a separate async step (`jpegAugment` in jpeg.ts) applied to the
 * whole photo first.
 */

import { ConfigError } from '../errors.js';
import {
  applyAffine,
  composeAffine,
  invertAffine,
  rotationAbout,
} from '../geometry/affine.js';
import { boxFromPoints, type Box } from '../geometry/box.js';
import {
  cropTransform,
  flipCropTransform,
  photoToCrop,
  type CropOptions,
  type CropTransform,
} from '../geometry/crop.js';
import { cropGrey } from '../image/crop-grey.js';
import type { GreyImage } from '../image/image.js';
import { permuteForFlip, type Scheme } from '../scheme/scheme.js';
import { jpegRecompress } from './jpeg.js';
import type { Rng } from './rng.js';

export { jpegRecompress } from './jpeg.js';

/** Augmentation settings; every field is optional and has the stated default. */
export interface AugmentOptions {
  /** Largest rotation in degrees either way; the angle is uniform. Default 30. */
  maxRotation?: number;
  /**
   * Range of the box scale factor (uniform): the rotated landmarks' box is scaled
   * about its centre by it. Default [0.9, 1.1].
   */
  scale?: [number, number];
  /**
   * Largest box shift as a fraction of the box's larger side, uniform and
   * independent in x and y. Default 0.1.
   */
  shift?: number;
  /** Probability of a horizontal flip (with the scheme's permutation). Default 0.5. */
  flipProbability?: number;
  /** Probability of JPEG re-compression (`jpegAugment`). Default 0.5. */
  jpegProbability?: number;
  /** JPEG quality range, inclusive, uniform. Default [30, 90]. */
  jpegQuality?: [number, number];
  /** Largest brightness change in grey levels (0..255), uniform either way. Default 20. */
  brightness?: number;
  /**
   * Largest relative contrast change: the crop's deviation from its mean grey is
   * multiplied by a uniform factor in [1 - contrast, 1 + contrast]. Default 0.2.
   */
  contrast?: number;
  /** The crop (size, enlargement, centre bug). Default: the defaults of `cropTransform`. */
  crop?: CropOptions;
}

/** `AugmentOptions` with every default filled in. */
export type ResolvedAugmentOptions = Required<Omit<AugmentOptions, 'crop'>> & {
  crop: CropOptions;
};

/** The default augmentation of method.md section 6. */
export const DEFAULT_AUGMENT: Readonly<ResolvedAugmentOptions> = Object.freeze({
  maxRotation: 30,
  scale: [0.9, 1.1] as [number, number],
  shift: 0.1,
  flipProbability: 0.5,
  jpegProbability: 0.5,
  jpegQuality: [30, 90] as [number, number],
  brightness: 20,
  contrast: 0.2,
  crop: {},
});

/** Settings that switch every transform off: `augmentFace` then gives the plain crop. */
export const NO_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  maxRotation: 0,
  scale: [1, 1] as [number, number],
  shift: 0,
  flipProbability: 0,
  jpegProbability: 0,
  brightness: 0,
  contrast: 0,
});

/** One drawn augmentation: everything `augmentFace` applies. */
export interface AugmentPlan {
  /** Crop pixel -> 1-based photo pixel, rotation, jitter and flip included. */
  transform: CropTransform;
  /** Whether the crop is mirrored (and the points permuted). */
  flip: boolean;
  /** Rotation in degrees (positive turns the face clockwise in the crop). */
  rotation: number;
  /** Box scale factor. */
  scale: number;
  /** Box shift, fractions of the box's larger side. */
  shiftX: number;
  shiftY: number;
  /** Brightness change in grey levels. */
  brightness: number;
  /** Contrast factor. */
  contrast: number;
  /** The jittered box, in the rotated photo's 1-based pixels. */
  box: Box;
}

/**
 * Fills defaults and checks ranges.
 *
 * @throws ConfigError naming the field, the allowed range and the value found
 */
export function resolveAugmentOptions(
  options: AugmentOptions = {},
): ResolvedAugmentOptions {
  const o = { ...DEFAULT_AUGMENT, ...options };
  const check = (field: string, ok: boolean, expected: string, value: unknown): void => {
    if (!ok) {
      throw new ConfigError(
        `augment ${field}: expected ${expected}, found ${JSON.stringify(value)}`,
      );
    }
  };
  const range = (v: [number, number]): boolean =>
    Array.isArray(v) && v.length === 2 && v.every(Number.isFinite) && v[0] <= v[1];

  check(
    'maxRotation',
    o.maxRotation >= 0 && o.maxRotation <= 180,
    '0..180 degrees',
    o.maxRotation,
  );
  check('scale', range(o.scale) && o.scale[0] > 0, '[lo, hi] with 0 < lo <= hi', o.scale);
  check('shift', o.shift >= 0 && o.shift <= 1, '0..1', o.shift);
  check(
    'flipProbability',
    o.flipProbability >= 0 && o.flipProbability <= 1,
    '0..1',
    o.flipProbability,
  );
  check(
    'jpegProbability',
    o.jpegProbability >= 0 && o.jpegProbability <= 1,
    '0..1',
    o.jpegProbability,
  );
  const q = o.jpegQuality;
  const qualityOk =
    range(q) && Number.isInteger(q[0]) && Number.isInteger(q[1]) && q[0] >= 1;
  check('jpegQuality', qualityOk && q[1] <= 100, 'integers [lo, hi] in 1..100', q);
  check(
    'brightness',
    o.brightness >= 0 && o.brightness <= 255,
    '0..255 grey levels',
    o.brightness,
  );
  check('contrast', o.contrast >= 0 && o.contrast < 1, '0 <= contrast < 1', o.contrast);
  return o;
}

/**
 * Draws one augmentation for a face. Always draws the same seven numbers from
 * `rng` in the same order (rotation, scale, shift x, shift y, flip, brightness,
 * contrast), so streams stay aligned whatever the options.
 *
 * @param points ground truth, interleaved 1-based photo pixels
 */
export function sampleAugmentation(
  points: Float64Array,
  scheme: Scheme,
  rng: Rng,
  options: AugmentOptions = {},
): AugmentPlan {
  const o = resolveAugmentOptions(options);
  const rotation = rng.uniform(-o.maxRotation, o.maxRotation);
  const scale = rng.uniform(o.scale[0], o.scale[1]);
  const shiftX = rng.uniform(-o.shift, o.shift);
  const shiftY = rng.uniform(-o.shift, o.shift);
  const flip = rng.chance(o.flipProbability);
  const brightness = rng.uniform(-o.brightness, o.brightness);
  const contrast = rng.uniform(1 - o.contrast, 1 + o.contrast);

  // Rotate the landmarks about their box centre and take the new box
  const tight = boxFromPoints(points);
  const cx = (tight.left + tight.right) / 2;
  const cy = (tight.top + tight.bottom) / 2;
  const rotate = rotationAbout((rotation * Math.PI) / 180, cx, cy);
  const rotated = boxFromPoints(applyAffine(rotate, points));

  // Jitter that box in scale and shift
  const side = Math.max(rotated.right - rotated.left, rotated.bottom - rotated.top);
  const bx = (rotated.left + rotated.right) / 2 + shiftX * side;
  const by = (rotated.top + rotated.bottom) / 2 + shiftY * side;
  const halfW = ((rotated.right - rotated.left) * scale) / 2;
  const halfH = ((rotated.bottom - rotated.top) * scale) / 2;
  const box = {
    left: bx - halfW,
    right: bx + halfW,
    top: by - halfH,
    bottom: by + halfH,
  };

  // Crop of the rotated photo, mapped back through the inverse rotation
  const inRotated = cropTransform(box, o.crop);
  let transform: CropTransform = {
    size: inRotated.size,
    toPhoto: composeAffine(invertAffine(rotate), inRotated.toPhoto),
  };
  if (flip) transform = flipCropTransform(transform);
  return { transform, flip, rotation, scale, shiftX, shiftY, brightness, contrast, box };
}

/**
 * Applies a drawn augmentation: writes the crop's network inputs into `out` at
 * `offset` and returns the target points in crop pixels (flip-permuted).
 */
export function applyAugmentation(
  image: GreyImage,
  points: Float64Array,
  scheme: Scheme,
  plan: AugmentPlan,
  out: Float32Array,
  offset: number,
): Float64Array {
  const size = plan.transform.size;
  cropGrey(image, plan.transform, out, offset);

  // Brightness and contrast about the crop's mean, clamped to the grey range
  if (plan.brightness !== 0 || plan.contrast !== 1) {
    const end = offset + size * size;
    let mean = 0;
    for (let k = offset; k < end; k++) mean += out[k] as number;
    mean /= size * size;
    const shift = plan.brightness / 128;
    for (let k = offset; k < end; k++) {
      const v = ((out[k] as number) - mean) * plan.contrast + mean + shift;
      out[k] = v < -1 ? -1 : v > 127 / 128 ? 127 / 128 : v;
    }
  }

  const target = photoToCrop(points, plan.transform);
  return plan.flip ? permuteForFlip(target, scheme) : target;
}

/**
 * One augmented training sample: draws an augmentation (`sampleAugmentation`),
 * writes the size x size network inputs into `out` at `offset`, and returns the
 * target points in crop pixels (0-based centres, flip-permuted). Synchronous and
 * allocation-light; apply `jpegAugment` to the photo beforehand for JPEG artefacts.
 *
 * @param image the grey photo
 * @param points ground truth, interleaved 1-based photo pixels
 * @throws ConfigError for options out of range
 */
export function augmentFace(
  image: GreyImage,
  points: Float64Array,
  scheme: Scheme,
  rng: Rng,
  options: AugmentOptions,
  out: Float32Array,
  offset: number,
): Float64Array {
  const plan = sampleAugmentation(points, scheme, rng, options);
  return applyAugmentation(image, points, scheme, plan, out, offset);
}

/**
 * Re-compresses the photo with probability `jpegProbability` at a quality drawn
 * uniformly from `jpegQuality`; otherwise returns it unchanged. Always draws two
 * numbers from `rng`, so the stream stays aligned whatever the options. Apply it to
 * the photo before `augmentFace`.
 */
export async function jpegAugment(
  image: GreyImage,
  rng: Rng,
  options: AugmentOptions = {},
): Promise<GreyImage> {
  const resolved = resolveAugmentOptions(options);
  const apply = rng.chance(resolved.jpegProbability);
  const [lo, hi] = resolved.jpegQuality;
  const quality = Math.min(hi, lo + Math.floor(rng.next() * (hi - lo + 1)));
  return apply ? jpegRecompress(image, quality) : image;
}
