import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  applyAugmentation,
  augmentFace,
  DEFAULT_AUGMENT,
  jpegAugment,
  jpegRecompress,
  NO_AUGMENT,
  resolveAugmentOptions,
  sampleAugmentation,
} from '../../src/augment/augment.js';
import { Rng } from '../../src/augment/rng.js';
import { parsePts } from '../../src/data/pts.js';
import { ConfigError } from '../../src/errors.js';
import { boxFromPoints } from '../../src/geometry/box.js';
import {
  cropTransform,
  flipCropTransform,
  photoToCrop,
} from '../../src/geometry/crop.js';
import { cropGrey } from '../../src/image/crop-grey.js';
import { readGrey, type GreyImage } from '../../src/image/image.js';
import { drawCropOverlay } from '../../src/plot/overlay.js';
import { IBUG68, permuteForFlip } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const NAME = `${DATA}/300w/test/lfpw-test_image_0005`;

let photo: GreyImage;
let points: Float64Array;

beforeAll(async () => {
  photo = await readGrey(`${NAME}.jpg`);
  points = parsePts(await readFile(`${NAME}.pts`, 'utf8'), `${NAME}.pts`, 68);
});

/** A black copy of the photo with one white disc (radius 3 px) on landmark `index`. */
function marker(index: number): GreyImage {
  const data = new Uint8Array(photo.width * photo.height);
  const cx = (points[2 * index] as number) - 1;
  const cy = (points[2 * index + 1] as number) - 1;
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      if (Math.hypot(x - cx, y - cy) <= 3) data[y * photo.width + x] = 255;
    }
  }
  return { width: photo.width, height: photo.height, data };
}

/**
 * Centre of the crop pixels brighter than the outside grey (128), weighted by how
 * much brighter, in crop pixels; undefined when there are none.
 */
function brightCentre(inputs: Float32Array, size: number): [number, number] | undefined {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const w = inputs[v * size + u] as number;
      if (w > 0.05) {
        sum += w;
        sx += w * u;
        sy += w * v;
      }
    }
  }
  return sum > 0 ? [sx / sum, sy / sum] : undefined;
}

describe('augmentFace', () => {
  it('is the plain DMCL crop when every transform is off', () => {
    const out = new Float32Array(2500);
    const target = augmentFace(photo, points, IBUG68, new Rng(1), NO_AUGMENT, out, 0);
    const t = cropTransform(boxFromPoints(points));
    expect(Array.from(out)).toEqual(Array.from(cropGrey(photo, t)));
    const plain = photoToCrop(points, t);
    target.forEach((v, i) => expect(v).toBeCloseTo(plain[i] as number, 9));
  });

  it('is reproducible from the seed, and differs across seeds', () => {
    const run = (seed: number): [number[], number[]] => {
      const rng = new Rng(seed);
      const out = new Float32Array(2 * 2500);
      const a = augmentFace(photo, points, IBUG68, rng, {}, out, 0);
      const b = augmentFace(photo, points, IBUG68, rng, {}, out, 2500);
      return [Array.from(out), [...a, ...b]];
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)[1]).not.toEqual(run(8)[1]);
  });

  it('keeps image and points together: a marker on a landmark lands on its target', () => {
    const options = { ...DEFAULT_AUGMENT, brightness: 0, contrast: 0 };
    const rng = new Rng(2024);
    const out = new Float32Array(2500);
    let flips = 0;
    let seen = 0;
    for (let trial = 0; trial < 30; trial++) {
      const index = [36, 45, 30, 48, 8, 19][trial % 6] as number;
      const plan = sampleAugmentation(points, IBUG68, rng, options);
      const target = applyAugmentation(marker(index), points, IBUG68, plan, out, 0);

      // After a flip the marked point is its partner's target (37 becomes 46)
      const where = plan.flip ? (IBUG68.flipPartners[index] as number) : index;
      const u = target[2 * where] as number;
      const v = target[2 * where + 1] as number;
      const found = brightCentre(out, 50);
      if (Math.min(u, v) > 2 && Math.max(u, v) < 47) {
        expect(found).toBeDefined();
        expect(Math.hypot(u - (found?.[0] ?? NaN), v - (found?.[1] ?? NaN))).toBeLessThan(
          0.5,
        );
        seen++;
      } else if (Math.min(u, v) < -3 || Math.max(u, v) > 52) {
        // Shifted out of the crop: then the marker must be gone too
        expect(found).toBeUndefined();
      }
      if (plan.flip) flips++;
    }
    expect(seen).toBeGreaterThan(20);
    expect(flips).toBeGreaterThan(5);
    expect(flips).toBeLessThan(25);
  });

  it('a flipped left eye corner becomes the right one, on the mirrored side', () => {
    const rng = () => new Rng(5);
    const options = { ...DEFAULT_AUGMENT, brightness: 0, contrast: 0 };
    const plain = sampleAugmentation(points, IBUG68, rng(), {
      ...options,
      flipProbability: 0,
    });
    const flipped = sampleAugmentation(points, IBUG68, rng(), {
      ...options,
      flipProbability: 1,
    });
    const a = new Float32Array(2500);
    const b = new Float32Array(2500);
    const ta = applyAugmentation(photo, points, IBUG68, plain, a, 0);
    const tb = applyAugmentation(photo, points, IBUG68, flipped, b, 0);

    // Same draws, so the crops are mirror images of each other
    for (let v = 0; v < 50; v++) {
      for (let u = 0; u < 50; u++) {
        expect(b[v * 50 + u]).toBeCloseTo(a[v * 50 + 49 - u] as number, 4);
      }
    }
    // Flipped point 46 (index 45) is the mirror of original point 37 (index 36)
    expect(tb[90]).toBeCloseTo(49 - (ta[72] as number), 9);
    expect(tb[91]).toBeCloseTo(ta[73] as number, 9);
    // and lies on the right half when point 37 lay on the left
    expect(ta[72]).toBeLessThan(24.5);
    expect(tb[90]).toBeGreaterThan(24.5);
  });

  it('flip twice is the identity for transforms and points', () => {
    const t = sampleAugmentation(points, IBUG68, new Rng(3)).transform;
    const twice = flipCropTransform(flipCropTransform(t)).toPhoto;
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f'] as const) {
      expect(twice[key]).toBeCloseTo(t.toPhoto[key], 12);
    }
    const crop = photoToCrop(points, t);
    expect(Array.from(permuteForFlip(permuteForFlip(crop, IBUG68), IBUG68))).toEqual(
      Array.from(crop),
    );
  });

  it('stays within the drawn limits; points leave the crop by at most the shift', () => {
    const rng = new Rng(11);
    const out = new Float32Array(2500);
    for (let i = 0; i < 50; i++) {
      const plan = sampleAugmentation(points, IBUG68, rng);
      expect(Math.abs(plan.rotation)).toBeLessThanOrEqual(30);
      expect(plan.scale).toBeGreaterThanOrEqual(0.9);
      expect(plan.scale).toBeLessThanOrEqual(1.1);
      // Worst case: half side 0.5 + shift 0.1 against a crop half side 0.55 * 0.9
      const target = applyAugmentation(photo, points, IBUG68, plan, out, 0);
      expect(Math.min(...target)).toBeGreaterThan(24.5 - 24.5 * (0.6 / 0.495));
      expect(Math.max(...target)).toBeLessThan(24.5 + 24.5 * (0.6 / 0.495));
      expect(Math.min(...out)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...out)).toBeLessThanOrEqual(127 / 128);
    }
  });

  it('draws augmented crops with their points for a person to check', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-augment-'));
    const rng = new Rng(99);
    const out = new Float32Array(2500);
    for (let k = 0; k < 3; k++) {
      const target = augmentFace(photo, points, IBUG68, rng, {}, out, 0);
      const file = join(dir, `sample-${k}.png`);
      await drawCropOverlay(out, 50, target, file, { scheme: IBUG68 });
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height]).toEqual([400, 400]);
    }
  });

  it('refuses options out of range', () => {
    expect(() => resolveAugmentOptions({ maxRotation: -1 })).toThrow(ConfigError);
    expect(() => resolveAugmentOptions({ scale: [1.1, 0.9] })).toThrow(
      'augment scale: expected [lo, hi] with 0 < lo <= hi, found [1.1,0.9]',
    );
    expect(() => resolveAugmentOptions({ jpegQuality: [0, 90] })).toThrow(/jpegQuality/);
    expect(() => resolveAugmentOptions({ flipProbability: 2 })).toThrow(
      /flipProbability/,
    );
  });
});

describe('JPEG re-compression', () => {
  it('keeps the size and adds artefacts that grow as quality drops', async () => {
    const diff = (a: GreyImage, b: GreyImage): number => {
      let sum = 0;
      for (let i = 0; i < a.data.length; i++) {
        sum += Math.abs((a.data[i] as number) - (b.data[i] as number));
      }
      return sum / a.data.length;
    };
    const low = await jpegRecompress(photo, 10);
    const high = await jpegRecompress(photo, 95);
    expect([low.width, low.height]).toEqual([photo.width, photo.height]);
    expect(low.data.length).toBe(photo.width * photo.height);
    expect(diff(high, photo)).toBeGreaterThan(0);
    expect(diff(high, photo)).toBeLessThan(diff(low, photo));
    await expect(jpegRecompress(photo, 0)).rejects.toThrow(ConfigError);
  });

  it('jpegAugment is seeded and can be switched off', async () => {
    const a = await jpegAugment(photo, new Rng(4), { jpegProbability: 1 });
    const b = await jpegAugment(photo, new Rng(4), { jpegProbability: 1 });
    expect(
      Buffer.from(a.data as Uint8Array).equals(Buffer.from(b.data as Uint8Array)),
    ).toBe(true);
    expect(await jpegAugment(photo, new Rng(4), { jpegProbability: 0 })).toBe(photo);
  });
});
