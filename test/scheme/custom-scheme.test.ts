import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { augmentFace } from '../../src/augment/augment.js';
import { Rng } from '../../src/augment/rng.js';
import { loadDataset, type FaceRecord } from '../../src/data/dataset.js';
import { formatPts, parsePts } from '../../src/data/pts.js';
import { meanShape, placeShape } from '../../src/evaluation/baseline.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { readGrey } from '../../src/image/image.js';
import { drawOverlay } from '../../src/plot/overlay.js';
import { type Scheme } from '../../src/scheme/scheme.js';
import { loadScheme } from '../../src/scheme/load.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const FIVE = new URL('./fixtures/five-point.json', import.meta.url).pathname;

let scheme: Scheme;
let dir: string;
let faces: FaceRecord[];

/** Five points from 68: eye centroids, nose tip (31), mouth corners (49, 55). */
function fivePoints(p: Float64Array): Float64Array {
  const centroid = (from: number): [number, number] => {
    let x = 0;
    let y = 0;
    for (let i = from; i < from + 6; i++) {
      x += p[2 * i] as number;
      y += p[2 * i + 1] as number;
    }
    return [x / 6, y / 6];
  };
  const at = (i: number): [number, number] => [
    p[2 * i] as number,
    p[2 * i + 1] as number,
  ];
  return Float64Array.from([
    ...centroid(36),
    ...centroid(42),
    ...at(30),
    ...at(48),
    ...at(54),
  ]);
}

beforeAll(async () => {
  scheme = await loadScheme(FIVE);
  dir = await mkdtemp(join(tmpdir(), 'dmcl-five-'));
  for (let k = 1; k <= 6; k++) {
    const name = `lfpw-test_image_000${k}`;
    const p68 = parsePts(
      await readFile(`${DATA}/300w/test/${name}.pts`, 'utf8'),
      name,
      68,
    );
    await writeFile(join(dir, `${name}.pts`), formatPts(fivePoints(p68)));
    await copyFile(`${DATA}/300w/test/${name}.jpg`, join(dir, `${name}.jpg`));
  }
  faces = await loadDataset(dir, { scheme });
});

describe('a user-defined 5-point scheme goes through every step unchanged', () => {
  it("loads a dataset with the scheme's point count", () => {
    expect(faces.length).toBe(6);
    expect(faces[0]?.points.length).toBe(10);
  });

  it('refuses 68-point files under the 5-point scheme', async () => {
    await expect(loadDataset(`${DATA}/300w/test`, { scheme })).rejects.toThrow(
      /lfpw-test_image_0001\.pts: expected 5 points, found 68/,
    );
  });

  it("flips with the scheme's pairs: the left eye target takes the mirrored right eye", async () => {
    const photo = await readGrey(faces[0]?.imagePath as string);
    const points = faces[0]?.points as Float64Array;
    const options = {
      maxRotation: 0,
      scale: [1, 1] as [number, number],
      shift: 0,
      brightness: 0,
      contrast: 0,
    };
    const out = new Float32Array(2500);
    const plain = augmentFace(
      photo,
      points,
      scheme,
      new Rng(1),
      { ...options, flipProbability: 0 },
      out,
      0,
    );
    const flipped = augmentFace(
      photo,
      points,
      scheme,
      new Rng(1),
      { ...options, flipProbability: 1 },
      out,
      0,
    );
    expect(flipped[0]).toBeCloseTo(49 - (plain[2] as number), 9);
    expect(flipped[1]).toBeCloseTo(plain[3] as number, 9);
    expect(flipped[4]).toBeCloseTo(49 - (plain[4] as number), 9);
    expect(flipped[6]).toBeCloseTo(49 - (plain[8] as number), 9);
  });

  it('evaluates with the normalisers the scheme has', () => {
    const shape = meanShape(faces);
    const preds = faces.map((f) => placeShape(shape, f.box));
    const report = evaluate(
      preds,
      faces.map((f) => f.points),
      scheme,
    );
    expect(report.normalisers).toEqual(['outer-eye-corners', 'box-diagonal']);
    expect(report.perLandmark['outer-eye-corners']?.length).toBe(5);
    expect(report.nme['outer-eye-corners']).toBeGreaterThan(0);
    expect(report.nme['eye-centroid']).toBeUndefined();
  });

  it("draws the scheme's points and regions", async () => {
    const file = join(dir, 'five.png');
    await drawOverlay(
      faces[0]?.imagePath as string,
      { layers: [{ points: faces[0]?.points as Float64Array }], scheme, numbers: true },
      file,
    );
    expect((await sharp(file).metadata()).format).toBe('png');
  });
});
