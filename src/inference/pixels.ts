/**
 * Raw pixel input (what a canvas's `ImageData` or a decoder gives) checked and
 * turned grey. Browser-safe: no Node imports.
 */

import { InvalidInputError } from '../errors.js';
import { greyValues } from '../image/grey.js';
import type { GreyImage } from '../image/image.js';

/**
 * Decoded pixels, 8 bits per channel, row-major, channels interleaved. A canvas
 * `ImageData` is one as it is (RGBA).
 */
export interface PixelImage {
  /** `width * height * channels` bytes. */
  data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels, a positive integer. */
  width: number;
  /** Height in pixels, a positive integer. */
  height: number;
  /** 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA); alpha is ignored. Default 4. */
  channels?: 1 | 2 | 3 | 4;
}

/** Whether a value looks like a `PixelImage` (an object with data, width and height). */
export function isPixelImage(value: unknown): value is PixelImage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return 'data' in v && 'width' in v && 'height' in v;
}

/**
 * Checks raw pixels and returns their grey values 0.299 R + 0.587 G + 0.114 B,
 * rounded as OpenCV (and `toGrey`) does, so results match decoded files exactly.
 *
 * @param source what error messages call the input
 * @throws InvalidInputError for a size that is not a positive integer, an unknown
 *   channel count, or a buffer whose length is not `width * height * channels`
 */
export function pixelsToGrey(image: PixelImage, source = 'pixels'): GreyImage {
  const { width, height, data } = image;
  const channels = image.channels ?? 4;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidInputError(
        `${source}: expected ${name} >= 1 (an integer), found ${v}`,
      );
    }
  }
  if (!([1, 2, 3, 4] as unknown[]).includes(channels)) {
    const found = String(channels as unknown);
    throw new InvalidInputError(`${source}: expected channels 1 to 4, found ${found}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new InvalidInputError(
      `${source}: expected data to be a Uint8Array or Uint8ClampedArray, found ${typeName(data)}`,
    );
  }
  const n = width * height;
  if (data.length !== n * channels) {
    const layout = `${width}x${height}x${channels}`;
    throw new InvalidInputError(
      `${source}: expected ${n * channels} bytes (${layout}), found ${data.length}`,
    );
  }

  // Grey copy or the weighted sum, rounded to 0..255
  const grey = greyValues(data, n, channels);
  return { width, height, data: grey };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'an object';
}
