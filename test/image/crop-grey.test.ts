import { describe, expect, it } from 'vitest';

import { InvalidInputError } from '../../src/errors.js';
import { boxFromPoints } from '../../src/geometry/box.js';
import { cropTransform, type CropTransform } from '../../src/geometry/crop.js';
import { cropGrey, inputsToGrey } from '../../src/image/crop-grey.js';
import { readGrey } from '../../src/image/image.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';

/** 4 x 3 photo: rows 0, 64, 128, 255 / 10, 20, 30, 40 / 100, 100, 100, 100. */
const IMAGE = {
  width: 4,
  height: 3,
  data: Uint8Array.from([0, 64, 128, 255, 10, 20, 30, 40, 100, 100, 100, 100]),
};

/** A 2 x 2 crop whose pixel (u, v) is photo pixel (u + c, v + f), 1-based. */
function shifted(c: number, f: number, size = 2): CropTransform {
  return { size, toPhoto: { a: 1, b: 0, c, d: 0, e: 1, f } };
}

const grey = (values: Float32Array): number[] =>
  Array.from(values, (v) => Math.round((v + 1) * 128 * 1000) / 1000);

describe('cropGrey', () => {
  it('copies pixels on the grid and normalises to pixel / 128 - 1', () => {
    const out = cropGrey(IMAGE, shifted(1, 1));
    expect(Array.from(out)).toEqual([-1, 64 / 128 - 1, 10 / 128 - 1, 20 / 128 - 1]);
  });

  it('interpolates bilinearly between pixel centres', () => {
    // (u, v) = (0, 0) samples 0-based (0.5, 0.5): mean of 0, 64, 10, 20 = 23.5
    // (1, 0) samples (1.5, 0.5): mean of 64, 128, 20, 30 = 60.5
    // (0, 1) and (1, 1): means of 10, 20, 100, 100 = 57.5 and 20, 30, 100, 100 = 62.5
    expect(grey(cropGrey(IMAGE, shifted(1.5, 1.5)))).toEqual([23.5, 60.5, 57.5, 62.5]);
    // A quarter step: 0.75 * 0 + 0.25 * 64 = 16 on the top row
    expect(grey(cropGrey(IMAGE, shifted(1.25, 1)))[0]).toBe(16);
  });

  it('uses grey 128 outside the photo, blending at the border', () => {
    // Fully outside: every neighbour is 128 -> input 0
    expect(Array.from(cropGrey(IMAGE, shifted(-5, -5)))).toEqual([0, 0, 0, 0]);
    // Half a pixel left of pixel (0, 0): (128 + 0) / 2 = 64
    expect(grey(cropGrey(IMAGE, shifted(0.5, 1)))[0]).toBe(64);
    // Half a pixel right of the last column (255): (255 + 128) / 2 = 191.5
    expect(grey(cropGrey(IMAGE, shifted(4.5, 1)))[0]).toBe(191.5);
  });

  it('writes at an offset and leaves the rest alone', () => {
    const out = new Float32Array(7).fill(9);
    cropGrey(IMAGE, shifted(1, 1), out, 2);
    expect(Array.from(out)).toEqual([
      9,
      9,
      -1,
      64 / 128 - 1,
      10 / 128 - 1,
      20 / 128 - 1,
      9,
    ]);
    expect(() => cropGrey(IMAGE, shifted(1, 1), out, 4)).toThrow(InvalidInputError);
  });

  it('samples the DMCL crop of a real face at the mapped photo position', async () => {
    const photo = await readGrey(`${DATA}/300w/test/lfpw-test_image_0001.jpg`);
    const box = boxFromPoints(Float64Array.from([60, 70, 190, 190]));
    const t = cropTransform(box);
    const out = cropGrey(photo, t);

    // Crop pixel (24, 31) by hand: photo 0-based position, then bilinear weights
    const x = t.toPhoto.a * 24 + t.toPhoto.c - 1;
    const y = t.toPhoto.e * 31 + t.toPhoto.f - 1;
    const at = (px: number, py: number): number =>
      photo.data[py * photo.width + px] as number;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const expected =
      at(x0, y0) * (1 - fx) * (1 - fy) +
      at(x0 + 1, y0) * fx * (1 - fy) +
      at(x0, y0 + 1) * (1 - fx) * fy +
      at(x0 + 1, y0 + 1) * fx * fy;
    expect(out[31 * 50 + 24]).toBeCloseTo(expected / 128 - 1, 5);
    expect(out.length).toBe(2500);
  });

  it('handles Float32 photos the same as Uint8 ones', async () => {
    const photo = await readGrey(`${DATA}/300w/test/lfpw-test_image_0003.jpg`);
    const asFloat = { ...photo, data: Float32Array.from(photo.data) };
    const t = cropTransform({ left: 40, right: 200, top: 50, bottom: 190 });
    expect(Array.from(cropGrey(asFloat, t))).toEqual(Array.from(cropGrey(photo, t)));
  });

  it('inputsToGrey inverts the normalisation', () => {
    const back = inputsToGrey(cropGrey(IMAGE, shifted(1, 1)), 2);
    expect(Array.from(back.data)).toEqual([0, 64, 10, 20]);
  });

  it('crops fast enough for training (well over 1000 crops per second)', async () => {
    const photo = await readGrey(`${DATA}/300w/test/lfpw-test_image_0001.jpg`);
    const t = cropTransform({ left: 60, right: 190, top: 70, bottom: 190 });
    const out = new Float32Array(2500 * 64);
    cropGrey(photo, t, out, 0);
    const start = performance.now();
    for (let i = 0; i < 640; i++) cropGrey(photo, t, out, (i % 64) * 2500);
    const perSecond = 640 / ((performance.now() - start) / 1000);
    expect(perSecond).toBeGreaterThan(1000);
  });
});
