/**
 * JPEG re-compression of a whole grey photo (method.md section 6). It is async
 * (sharp), so the training loader applies it to the photo (or to a finished crop,
 * via `inputsToGrey`) outside the synchronous `augmentFace`.
 */

import sharp from 'sharp';

import { ConfigError } from '../errors.js';
import type { GreyImage } from '../image/image.js';

/**
 * Encodes a grey photo as JPEG at `quality` and decodes it again, so that it
 * carries the compression artefacts of that quality.
 *
 * @param quality 1..100
 * @throws ConfigError for a quality outside 1..100
 */
export async function jpegRecompress(
  image: GreyImage,
  quality: number,
): Promise<GreyImage> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new ConfigError(`jpeg quality: expected an integer 1..100, found ${quality}`);
  }

  // 8-bit grey in, one channel back out
  const bytes =
    image.data instanceof Uint8Array
      ? image.data
      : Uint8Array.from(image.data, (v) => Math.min(255, Math.max(0, Math.round(v))));
  const raw = { width: image.width, height: image.height, channels: 1 as const };
  const jpeg = await sharp(bytes, { raw }).jpeg({ quality }).toBuffer();
  const { data, info } = await sharp(jpeg)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
  };
}
