/**
 * The crop warp (method.md section 3): bilinear sampling of a grey photo through a
 * `CropTransform`, grey 128 outside the photo, network input = pixel / 128 - 1.
 * This runs for every training sample, so it allocates nothing per pixel.
 */

import { InvalidInputError } from '../errors.js';
import type { CropTransform } from '../geometry/crop.js';
import type { GreyImage } from './image.js';

/** Grey level used for photo pixels outside the image. */
export const OUTSIDE_GREY = 128;

/**
 * Samples the crop `t` from a grey photo and writes size x size network inputs
 * (`pixel / 128 - 1`, row-major) into `out` at `offset`.
 *
 * Each crop pixel (u, v) is mapped to the photo by `t.toPhoto` (1-based) and
 * interpolated bilinearly from its four neighbours; a neighbour outside the photo
 * counts as grey 128 (OpenCV's constant border).
 *
 * @param out destination; a new array of size*size values when omitted
 * @param offset index of the first value written. Default 0.
 * @returns `out`
 * @throws InvalidInputError when `out` is too short or the image buffer is too small
 */
export function cropGrey(
  image: GreyImage,
  t: CropTransform,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const size = t.size;
  const target = out ?? new Float32Array(size * size);
  if (offset < 0 || offset + size * size > target.length) {
    const what = `${size * size} values at offset ${offset}, found length ${target.length}`;
    throw new InvalidInputError(`cropGrey: expected room for ${what}`);
  }
  const { width, height, data } = image;
  if (data.length < width * height) {
    const what = `${width}x${height} needs ${width * height}, found ${data.length}`;
    throw new InvalidInputError(`cropGrey: expected a full grey buffer, ${what}`);
  }

  // 0-based photo position of crop pixel (u, v): 1-based map minus one
  const { a, b, d, e } = t.toPhoto;
  const c = t.toPhoto.c - 1;
  const f = t.toPhoto.f - 1;
  const maxX = width - 1;
  const maxY = height - 1;
  let k = offset;
  for (let v = 0; v < size; v++) {
    const rowX = b * v + c;
    const rowY = e * v + f;
    for (let u = 0; u < size; u++) {
      const x = a * u + rowX;
      const y = d * u + rowY;
      // Four neighbours, each either a photo pixel or the outside grey
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      let p00 = OUTSIDE_GREY;
      let p10 = OUTSIDE_GREY;
      let p01 = OUTSIDE_GREY;
      let p11 = OUTSIDE_GREY;
      if (x0 >= 0 && x0 <= maxX && y0 >= 0 && y0 <= maxY) {
        p00 = data[y0 * width + x0] as number;
      }
      if (x0 + 1 >= 0 && x0 + 1 <= maxX && y0 >= 0 && y0 <= maxY) {
        p10 = data[y0 * width + x0 + 1] as number;
      }
      if (x0 >= 0 && x0 <= maxX && y0 + 1 >= 0 && y0 + 1 <= maxY) {
        p01 = data[(y0 + 1) * width + x0] as number;
      }
      if (x0 + 1 >= 0 && x0 + 1 <= maxX && y0 + 1 >= 0 && y0 + 1 <= maxY) {
        p11 = data[(y0 + 1) * width + x0 + 1] as number;
      }

      const top = p00 + (p10 - p00) * fx;
      const bottom = p01 + (p11 - p01) * fx;
      target[k++] = (top + (bottom - top) * fy) / 128 - 1;
    }
  }
  return target;
}

/**
 * Turns network inputs (`pixel / 128 - 1`) back into a grey image for viewing.
 *
 * @param offset index of the first value. Default 0.
 */
export function inputsToGrey(values: Float32Array, size: number, offset = 0): GreyImage {
  const data = new Float32Array(size * size);
  for (let i = 0; i < data.length; i++)
    data[i] = ((values[offset + i] as number) + 1) * 128;
  return { width: size, height: size, data };
}
