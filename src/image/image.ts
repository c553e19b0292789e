/**
 * Decoding photos with sharp and turning them grey (method.md section 3:
 * grey = 0.299 R + 0.587 G + 0.114 B).
 */

import { stat } from 'node:fs/promises';

import sharp, { type OutputInfo, type Sharp } from 'sharp';

import { DataFormatError, InvalidInputError } from '../errors.js';
import { greyValues } from './grey.js';

/**
 * A decoded photo, 8 bits per channel, row-major, channels interleaved. EXIF
 * orientation is not applied: annotations refer to the stored pixel grid.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** A grey photo, values 0..255, row-major (`data[y * width + x]`). */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array | Float32Array;
}

/** Width and height of an image file, read from its header only. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Decodes a JPEG, PNG (or anything else sharp reads) into 8-bit pixels.
 *
 * @param input a file path, or the encoded bytes
 * @param name what error messages call a buffer input. Default `"image buffer"`.
 * @throws DataFormatError naming the file when it is missing or cannot be decoded
 */
export async function readImage(
  input: string | Uint8Array,
  name?: string,
): Promise<RgbImage> {
  const file = typeof input === 'string' ? input : (name ?? 'image buffer');
  if (typeof input === 'string') await assertFile(input);

  // Full decode: a truncated or corrupt file fails here, not later
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await sharp(input, { failOn: 'error' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DataFormatError(
      file,
      `expected an image sharp can decode, ${message(error)}`,
      {
        cause: error,
      },
    );
  }

  const { width, height, channels } = result.info;
  if (channels < 1 || channels > 4) {
    throw new DataFormatError(file, `expected 1 to 4 channels, found ${channels}`);
  }
  const data = new Uint8Array(
    result.data.buffer,
    result.data.byteOffset,
    result.data.length,
  );
  return { width, height, channels: channels as 1 | 2 | 3 | 4, data };
}

/**
 * Width and height from the file header, without decoding the pixels.
 *
 * @throws DataFormatError naming the file when it is missing or not an image
 */
export async function readImageSize(path: string): Promise<ImageSize> {
  await assertFile(path);
  try {
    const meta = await sharp(path).metadata();
    if (meta.width === undefined || meta.height === undefined) {
      throw new Error('the header has no size');
    }
    return { width: meta.width, height: meta.height };
  } catch (error) {
    throw new DataFormatError(
      path,
      `expected an image sharp can read, ${message(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Grey values 0.299 R + 0.587 G + 0.114 B, rounded to 0..255 as OpenCV does
 * (grey input is copied; alpha is ignored).
 */
export function toGrey(image: RgbImage): GreyImage {
  const { width, height, channels, data } = image;
  const n = width * height;
  if (data.length < n * channels) {
    const what = `${width}x${height}x${channels} needs ${n * channels} bytes, found ${data.length}`;
    throw new InvalidInputError(`toGrey: expected a full pixel buffer, ${what}`);
  }

  const grey = greyValues(data, n, channels);
  return { width, height, data: grey };
}

/**
 * Reads a photo and turns it grey.
 *
 * @throws DataFormatError naming the file when it is missing or cannot be decoded
 */
export async function readGrey(
  input: string | Uint8Array,
  name?: string,
): Promise<GreyImage> {
  return toGrey(await readImage(input, name));
}

/**
 * Encodes a grey image as PNG or JPEG (chosen by the extension of `path`; values
 * are rounded and clamped to 0..255).
 *
 * @throws InvalidInputError for another extension
 */
export async function writeGrey(image: GreyImage, path: string): Promise<void> {
  const bytes = new Uint8Array(image.width * image.height);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = Math.min(255, Math.max(0, Math.round(image.data[i] as number)));
  }
  const raw = { width: image.width, height: image.height, channels: 1 as const };
  await encodeByExtension(sharp(bytes, { raw }), path).toFile(path);
}

/**
 * Applies the output format that matches the file extension (.png, .jpg, .jpeg).
 *
 * @throws InvalidInputError for another extension
 */
export function encodeByExtension(pipeline: Sharp, path: string): Sharp {
  const lower = path.toLowerCase();
  if (lower.endsWith('.png')) return pipeline.png();
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg'))
    return pipeline.jpeg({ quality: 92 });
  throw new InvalidInputError(`${path}: expected a .png, .jpg or .jpeg output name`);
}

/** Throws DataFormatError when `path` is not an existing regular file. */
async function assertFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new DataFormatError(path, 'expected an image file, found a folder');
  } catch (error) {
    if (error instanceof DataFormatError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? message(error);
    throw new DataFormatError(path, `expected an image file, found none (${code})`, {
      cause: error,
    });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
