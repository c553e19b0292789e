import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadDataset, type FaceRecord } from '../../src/data/dataset.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { Box } from '../../src/geometry/box.js';
import { readImage, toGrey } from '../../src/image/image.js';
import type { Aligner } from '../../src/inference/aligner.js';
import { boxIou } from '../../src/inference/boxes.js';
import { DEFAULT_MODEL_PATH, loadAligner } from '../../src/inference/node.js';
import { IBUG68 } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const TEST = `${DATA}/300w/test`;
const CARD = new URL('../../models/model-card.json', import.meta.url);
const GOLDEN = new URL('./golden.json', import.meta.url);

/** Eye-centroid NME bound without a model card (the placeholder model's league). */
const LOOSE_NME = 0.12;
/** Golden tolerances in photo pixels: ground-truth boxes, and through the detector. */
const GOLDEN_TOLERANCE_PX = 0.01;
const GOLDEN_DETECTED_TOLERANCE_PX = 0.5;

let aligner: Aligner;
let faces: FaceRecord[];
let gtNme = Number.NaN;

beforeAll(async () => {
  aligner = await loadAligner(undefined, { threads: 1 });
  faces = await loadDataset(TEST, { scheme: IBUG68 });
});

afterAll(async () => {
  await aligner.dispose();
});

/** Eye-centroid NME of faces aligned in the given boxes, photo by photo. */
async function nmeIn(list: FaceRecord[], boxes: Box[]): Promise<number> {
  const predictions: Float64Array[] = [];
  for (const [k, face] of list.entries()) {
    const grey = toGrey(await readImage(face.imagePath));
    predictions.push(...(await aligner.alignGrey(grey, [boxes[k] as Box])));
  }
  const report = evaluate(
    predictions,
    list.map((f) => f.points),
    IBUG68,
  );
  return report.nme['eye-centroid'] as number;
}

describe('on the 300-W test photos', () => {
  it(
    'keeps the NME of the model card with ground-truth boxes',
    { timeout: 600_000 },
    async () => {
      gtNme = await nmeIn(
        faces,
        faces.map((f) => f.box),
      );
      if (existsSync(CARD)) {
        const card = JSON.parse(await readFile(CARD, 'utf8')) as {
          nme: Record<string, number>;
        };
        expect(gtNme).toBeLessThanOrEqual((card.nme['eye-centroid'] as number) + 0.001);
      } else {
        expect(gtNme).toBeLessThan(LOOSE_NME);
      }
    },
  );

  it(
    'finds the faces itself, with an NME close to the ground-truth boxes',
    { timeout: 600_000 },
    async () => {
      const found: FaceRecord[] = [];
      const boxes: Box[] = [];
      for (const face of faces) {
        const detected = await aligner.align(face.imagePath);
        const best = detected.sort(
          (a, b) => boxIou(b.box, face.box) - boxIou(a.box, face.box),
        )[0];
        if (best !== undefined && boxIou(best.box, face.box) > 0.5) {
          found.push(face);
          boxes.push(best.box);
        }
      }
      expect(found.length / faces.length).toBeGreaterThanOrEqual(0.97);
      const sameFaces = await nmeIn(
        found,
        found.map((f) => f.box),
      );
      expect(await nmeIn(found, boxes)).toBeLessThan(1.3 * sameFaces + 0.005);
    },
  );
});

describe('golden landmarks', () => {
  it('match two photos within the stated tolerance', async () => {
    const golden = JSON.parse(await readFile(GOLDEN, 'utf8')) as {
      modelSha256: string;
      photos: {
        name: string;
        box: Box;
        landmarks: number[];
        detected: { box: Box; landmarks: number[] };
      }[];
    };
    const sha = createHash('sha256')
      .update(await readFile(DEFAULT_MODEL_PATH))
      .digest('hex');
    expect(
      sha,
      'golden.json is for another model: run npx tsx scripts/make-golden.ts',
    ).toBe(golden.modelSha256);

    for (const photo of golden.photos) {
      const image = join(TEST, `${photo.name}.jpg`);
      const [given] = await aligner.align(image, { boxes: [photo.box] });
      const [detected] = await aligner.align(image);
      const worst = (a: ArrayLike<number>, b: number[]): number =>
        Math.max(...b.map((v, i) => Math.abs(v - (a[i] as number))));
      expect(worst(given?.landmarks ?? [], photo.landmarks)).toBeLessThanOrEqual(
        GOLDEN_TOLERANCE_PX,
      );
      expect(
        worst(detected?.landmarks ?? [], photo.detected.landmarks),
      ).toBeLessThanOrEqual(GOLDEN_DETECTED_TOLERANCE_PX);
    }
  });
});
