/**
 * Image decoding in the browser: the only step of the inference path that differs
 * from Node, where sharp decodes. Photos, video frames and canvases become 8-bit
 * RGBA pixels on the stored pixel grid, which the shared core turns grey.
 */

import { DataFormatError, InvalidInputError } from '../errors.js';
import type { RgbImage } from '../image/image.js';

/** Anything a 2-D canvas can draw: an ImageBitmap, a video, an image, a canvas. */
export type PixelSource = CanvasImageSource;

/**
 * Decodes an encoded photo (JPEG, PNG, WebP...) into RGBA pixels, as Node's
 * `readImage` does: no colour management and no EXIF rotation, so the pixels
 * are those stored in the file and annotations still fit.
 *
 * @param name what error messages call the photo. Default the file name, or
 *   `"image blob"`.
 * @throws DataFormatError when the browser cannot decode it
 */
export async function decodeImage(blob: Blob, name?: string): Promise<RgbImage> {
  const label = name ?? (blob instanceof File ? blob.name : 'image blob');

  // Decode straight to a bitmap, bypassing colour profiles and orientation
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      colorSpaceConversion: 'none',
      imageOrientation: 'none',
      premultiplyAlpha: 'none',
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(label, `expected an image the browser can decode, ${why}`, {
      cause: error,
    });
  }

  try {
    return readPixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/**
 * The RGBA pixels of a drawable source at `width` x `height` (a video frame at
 * its own size: `video.videoWidth`, `video.videoHeight`).
 *
 * @param canvas a canvas to reuse between frames. Default: a new one.
 * @throws InvalidInputError for an empty size or when no 2-D context is available
 */
export function readPixels(
  source: PixelSource,
  width: number,
  height: number,
  canvas?: OffscreenCanvas,
): RgbImage {
  if (!(width > 0 && height > 0)) {
    throw new InvalidInputError(
      `readPixels: expected a non-empty source, found ${width}x${height}`,
    );
  }

  // Draw 1:1 into an sRGB canvas kept on the CPU, then read the bytes back
  const target = canvas ?? new OffscreenCanvas(width, height);
  if (target.width !== width || target.height !== height) {
    target.width = width;
    target.height = height;
  }
  const context = target.getContext('2d', {
    willReadFrequently: true,
    colorSpace: 'srgb',
  });
  if (context === null) {
    throw new InvalidInputError('readPixels: expected a 2-D canvas context, found none');
  }
  context.clearRect(0, 0, width, height);
  context.drawImage(source, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height);
  const data = new Uint8Array(
    pixels.data.buffer,
    pixels.data.byteOffset,
    pixels.data.length,
  );
  return { width, height, channels: 4, data };
}
