import { readFile } from 'node:fs/promises';

import { describe, expect, it } from 'vitest';

import { parsePts } from '../../src/data/pts.js';
import { ConfigError, InvalidInputError } from '../../src/errors.js';
import {
  applyAffine,
  composeAffine,
  invertAffine,
  rotationAbout,
} from '../../src/geometry/affine.js';
import { boxDiagonal, boxFromPoints, validateBox } from '../../src/geometry/box.js';
import {
  cropCorners,
  cropToPhoto,
  cropTransform,
  flipCropTransform,
  photoToCrop,
} from '../../src/geometry/crop.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';

/** Box left 11, right 31, top 21, bottom 61: w 20, h 40, centre (20, 40) 0-based. */
const BOX = { left: 11, right: 31, top: 21, bottom: 61 };

describe('boxFromPoints', () => {
  it('is the tight box', () => {
    const box = boxFromPoints(Float64Array.from([3, 9, -1, 4, 7, 2]));
    expect(box).toEqual({ left: -1, right: 7, top: 2, bottom: 9 });
    expect(boxDiagonal(box)).toBeCloseTo(Math.hypot(8, 7), 12);
  });

  it('refuses no points and non-finite ones', () => {
    expect(() => boxFromPoints(new Float64Array(0))).toThrow(InvalidInputError);
    expect(() => boxFromPoints(Float64Array.from([1, NaN]))).toThrow(
      /point 1 is \(1, NaN\)/,
    );
  });

  it('validateBox names the bad field', () => {
    expect(() => validateBox({ left: 1, right: 2, top: 3 }, 'b.json')).toThrow(
      /b\.json: box\.bottom: expected a finite number, found nothing/,
    );
    expect(() => validateBox({ left: 5, right: 2, top: 0, bottom: 1 }, 'b')).toThrow(
      /expected right >= left/,
    );
  });
});

describe('cropTransform (method.md section 3)', () => {
  it('maps the crop edges to the enlarged box, hand-computed', () => {
    // r = 0.55 * 40 = 22, s = 24.5 / 22; u = 0 -> cx - r + 1 = -1; u = 49 -> 44 - 2 + 1 = 43
    const t = cropTransform(BOX);
    expect(t.size).toBe(50);
    expect(t.toPhoto.a).toBeCloseTo(22 / 24.5, 14);
    const corners = Array.from(cropToPhoto(Float64Array.from([0, 0, 49, 49]), t));
    expect(corners[0]).toBeCloseTo(-1, 12);
    expect(corners[1]).toBeCloseTo(19, 12);
    expect(corners[2]).toBeCloseTo(43, 12);
    expect(corners[3]).toBeCloseTo(63, 12);
  });

  it('puts the box centre (21, 41), 1-based, at crop (24.5, 24.5)', () => {
    const [u, v] = photoToCrop(Float64Array.from([21, 41]), cropTransform(BOX));
    expect(u).toBeCloseTo(24.5, 12);
    expect(v).toBeCloseTo(24.5, 12);
  });

  it("reproduces the released binary's vertical centre bug only when asked", () => {
    // cy = y0 + w/2 = 20 + 10 = 30 instead of 40, so v = 0 lands at 30 - 22 + 1 = 9
    const t = cropTransform(BOX, { verticalCentreBug: true });
    const [x, y] = cropToPhoto(Float64Array.from([0, 0]), t);
    expect(x).toBeCloseTo(-1, 12);
    expect(y).toBeCloseTo(9, 12);
  });

  it('honours size and enlargement', () => {
    // size 100, enlarge 1.5: r = 30, s = 99 / 60; u = 99 -> cx + r + 1 = 51
    const t = cropTransform(BOX, { size: 100, enlarge: 1.5 });
    const [x] = cropToPhoto(Float64Array.from([99, 0]), t);
    expect(x).toBeCloseTo(51, 12);
  });

  it('refuses an empty box and bad options', () => {
    expect(() => cropTransform({ left: 1, right: 1, top: 2, bottom: 2 })).toThrow(
      InvalidInputError,
    );
    expect(() => cropTransform(BOX, { size: 1 })).toThrow(ConfigError);
    expect(() => cropTransform(BOX, { enlarge: 0 })).toThrow(
      /expected a positive number/,
    );
  });

  it('round-trips photo -> crop -> photo within 1e-6 px on real annotations', async () => {
    const text = await readFile(`${DATA}/300w/test/lfpw-test_image_0001.pts`, 'utf8');
    const points = parsePts(text, 'lfpw-test_image_0001.pts', 68);
    const box = boxFromPoints(points);
    const rotate = rotationAbout(0.4, 120, 90);
    const transforms = [
      cropTransform(box),
      cropTransform(box, { verticalCentreBug: true }),
      cropTransform({ ...box, left: box.left - 13.7 }, { size: 64, enlarge: 1.3 }),
      flipCropTransform(cropTransform(box)),
      { size: 50, toPhoto: composeAffine(rotate, cropTransform(box).toPhoto) },
    ];
    for (const t of transforms) {
      const back = cropToPhoto(photoToCrop(points, t), t);
      const worst = Math.max(...back.map((v, i) => Math.abs(v - (points[i] as number))));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('keeps a face inside the crop: the tight box spans 2.5 .. 47.5 on its long side', async () => {
    const text = await readFile(`${DATA}/300w/test/lfpw-test_image_0002.pts`, 'utf8');
    const points = parsePts(text, 'p', 68);
    const crop = photoToCrop(points, cropTransform(boxFromPoints(points)));
    const xs = crop.filter((_, i) => i % 2 === 0);
    const ys = crop.filter((_, i) => i % 2 === 1);
    const long = Math.max(
      Math.max(...xs) - Math.min(...xs),
      Math.max(...ys) - Math.min(...ys),
    );
    expect(long).toBeCloseTo(49 / 1.1, 9);
    expect(Math.min(...xs, ...ys)).toBeGreaterThanOrEqual(2.2);
    expect(Math.max(...xs, ...ys)).toBeLessThanOrEqual(46.8);
  });

  it('flipCropTransform mirrors u and is its own inverse', () => {
    const t = cropTransform(BOX);
    const f = flipCropTransform(t);
    const [x0] = cropToPhoto(Float64Array.from([0, 7]), f);
    const [x49] = cropToPhoto(Float64Array.from([49, 7]), t);
    expect(x0).toBeCloseTo(x49 as number, 12);
    expect(flipCropTransform(f).toPhoto).toEqual(t.toPhoto);
  });

  it('cropCorners lists the four edge pixel centres in photo pixels', () => {
    const c = Array.from(cropCorners(cropTransform(BOX))).map((v) =>
      Number(v.toFixed(9)),
    );
    expect(c).toEqual([-1, 19, 43, 19, 43, 63, -1, 63]);
  });
});

describe('affine helpers', () => {
  it('rotation by 90 degrees about (1, 1) takes (2, 1) to (1, 2)', () => {
    const [x, y] = applyAffine(
      rotationAbout(Math.PI / 2, 1, 1),
      Float64Array.from([2, 1]),
    );
    expect(x).toBeCloseTo(1, 12);
    expect(y).toBeCloseTo(2, 12);
  });

  it('invertAffine undoes a map and refuses a singular one', () => {
    const m = { a: 2, b: 1, c: 3, d: -1, e: 0.5, f: 7 };
    const p = Float64Array.from([4, -2, 0.5, 9]);
    const back = applyAffine(invertAffine(m), applyAffine(m, p));
    back.forEach((v, i) => expect(v).toBeCloseTo(p[i] as number, 12));
    expect(() => invertAffine({ a: 1, b: 2, c: 0, d: 2, e: 4, f: 0 })).toThrow(
      /determinant is 0/,
    );
  });
});
