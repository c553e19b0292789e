/**
 * Training and validation batches: photos held in memory as grey images, faces cut
 * out with the DMCL crop, augmented on the fly with a seeded generator so that a
 * resumed run sees exactly the batches it would have seen.
 */
import { augmentFace, jpegRecompress, type AugmentOptions } from '../augment/augment.js';
import { Rng } from '../augment/rng.js';
import type { TrainBatch } from '../engine/trainer.js';
import type { Box } from '../geometry/box.js';
import { cropTransform, photoToCrop } from '../geometry/crop.js';
import { cropGrey, inputsToGrey } from '../image/crop-grey.js';
import type { GreyImage } from '../image/image.js';
import { normaliserDistance } from '../evaluation/nme.js';
import {
  availableNormalisers,
  type NormaliserName,
  type Scheme,
} from '../scheme/scheme.js';
import type { AugmentConfig } from './config.js';

/** Faces of a split, each pointing at a photo held in memory. */
export interface SampleSet {
  readonly images: readonly GreyImage[];
  readonly faces: readonly { image: number; points: Float64Array; box: Box }[];
}

/** Options of {@link makeBatch}. */
export interface BatchOptions {
  readonly scheme: Scheme;
  /** Crop side. */
  readonly size: number;
  /** Augmentation amounts, or null for the plain crop of the face's box. */
  readonly augment: AugmentConfig | null;
  /** Seed of this batch's augmentation. */
  readonly seed: number;
}

/** The normaliser of the loss (method.md section 4): eye centroids when the scheme has them. */
export function lossNormaliser(scheme: Scheme): NormaliserName {
  return availableNormalisers(scheme).includes('eye-centroid')
    ? 'eye-centroid'
    : 'box-diagonal';
}

/** The augmentation options of the augment module for a training config. */
export function augmentOptions(config: AugmentConfig, size: number): AugmentOptions {
  return {
    maxRotation: config.rotation,
    scale: config.scale,
    shift: config.shift,
    flipProbability: config.flip,
    brightness: config.brightness,
    contrast: config.contrast,
    crop: { size },
  };
}

/** Crops (and augments) the faces at `indices` into one batch. */
export async function makeBatch(
  set: SampleSet,
  indices: readonly number[],
  options: BatchOptions,
): Promise<TrainBatch> {
  const { scheme, size } = options;
  const n2 = scheme.numPoints * 2;
  const area = size * size;
  const input = new Float32Array(indices.length * area);
  const target = new Float32Array(indices.length * n2);
  const faceScale = new Float32Array(indices.length);
  const rng = new Rng(options.seed);
  const normaliser = lossNormaliser(scheme);
  const recompress: Promise<void>[] = [];

  indices.forEach((index, k) => {
    const face = set.faces[index];
    const image = face === undefined ? undefined : set.images[face.image];
    if (face === undefined || image === undefined)
      throw new RangeError(`no face ${index}`);

    // Crop: augmented, or the plain crop of the face's box.
    let points: Float64Array;
    if (options.augment === null) {
      const t = cropTransform(face.box, { size });
      cropGrey(image, t, input, k * area);
      points = photoToCrop(face.points, t);
    } else {
      const aug = augmentOptions(options.augment, size);
      points = augmentFace(image, face.points, scheme, rng, aug, input, k * area);

      // JPEG re-compression of the crop, as the authors did after cropping.
      const jpeg = options.augment;
      if (rng.next() < jpeg.jpeg) {
        const [lo, hi] = jpeg.jpegQuality;
        const quality = Math.round(lo + rng.next() * (hi - lo));
        recompress.push(recompressInPlace(input, k * area, size, quality));
      }
    }

    // Targets and the per-face loss scale 1 / (2 d^2).
    target.set(points, k * n2);
    const d = normaliserDistance(points, scheme, normaliser);
    faceScale[k] = 1 / (2 * d * d);
  });

  await Promise.all(recompress);
  return { input, target, faceScale };
}

async function recompressInPlace(
  input: Float32Array,
  offset: number,
  size: number,
  quality: number,
): Promise<void> {
  const grey = inputsToGrey(input, size, offset);
  const degraded = await jpegRecompress(grey, quality);
  for (let i = 0; i < size * size; i++) {
    input[offset + i] = (degraded.data[i] as number) / 128 - 1;
  }
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
