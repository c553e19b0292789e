import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  faceKey,
  parseBoxesCsv,
  parsePointsCsv,
  parsePredictionsJson,
  readPointsFile,
  writePointsFile,
} from '../../src/data/predictions.js';
import { DataFormatError } from '../../src/errors.js';
import { validateScheme } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const TWO = validateScheme({ name: 'two', numPoints: 2, flipPairs: [[0, 1]] }, 'two');

describe('points CSV', () => {
  it('reads rows with or without a header', () => {
    const rows = parsePointsCsv(
      'image,x1,y1,x2,y2\na.jpg,1,2,3,4\n"b",5,6,7,8.5\n',
      'p.csv',
      2,
    );
    expect(rows.map((r) => [r.name, Array.from(r.points)])).toEqual([
      ['a.jpg', [1, 2, 3, 4]],
      ['b', [5, 6, 7, 8.5]],
    ]);
    expect(parsePointsCsv('a,1,2,3,4\n', 'p.csv', 2).length).toBe(1);
  });

  it('names the file and line of a bad row', () => {
    expect(() => parsePointsCsv('a,1,2,3\n', 'p.csv', 2)).toThrow(
      'p.csv: line 1: expected 5 columns (name and 2 x, y pairs), found 4',
    );
    expect(() => parsePointsCsv('h,x1,y1,x2,y2\na,1,2,x,4\n', 'p.csv', 2)).toThrow(
      'p.csv: line 2, column 4: expected a number, found "x"',
    );
    expect(() => parsePointsCsv('a.jpg,1,2,3,4\na.png,1,2,3,4\n', 'p.csv', 2)).toThrow(
      DataFormatError,
    );
  });

  it('reads the reference files: 135 faces of 68 points', async () => {
    const truth = await readPointsFile(`${DATA}/reference/ibug-ground-truth.csv`, 68);
    expect(truth.length).toBe(135);
    expect(truth[0]?.name).toBe('image_003_1.jpg');
    expect(truth[0]?.points[0]).toBeCloseTo(336.820955, 6);
    const boxes = parseBoxesCsv(
      await readFile(`${DATA}/reference/ibug-boxes.csv`, 'utf8'),
      'ibug-boxes.csv',
    );
    expect(boxes.get('image_003_1')?.left).toBeCloseTo(334.238298, 6);
  });
});

describe('predictions JSON', () => {
  it('round-trips through writePointsFile, as JSON and CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-pred-'));
    const faces = [
      { name: 'a', points: Float64Array.from([1, 2, 3, 4]) },
      {
        name: 'b',
        points: Float64Array.from([5.5, 6, 7, 8]),
        box: { left: 1, right: 9, top: 1, bottom: 9 },
      },
    ];
    for (const file of ['p.json', 'p.csv']) {
      await writePointsFile(join(dir, file), faces, TWO, { method: 'test' });
      const back = await readPointsFile(join(dir, file), 2);
      expect(back.map((f) => [f.name, Array.from(f.points)])).toEqual(
        faces.map((f) => [f.name, Array.from(f.points)]),
      );
    }
    const json = JSON.parse(await readFile(join(dir, 'p.json'), 'utf8'));
    expect(json).toMatchObject({
      format: 'dmcl-predictions',
      scheme: 'two',
      method: 'test',
    });
    expect((await readPointsFile(join(dir, 'p.json'), 2))[1]?.box).toEqual(faces[1]?.box);
  });

  it('accepts [x, y] pairs and names the face at fault', () => {
    const ok = parsePredictionsJson(
      '{"faces":[{"name":"a","points":[[1,2],[3,4]]}]}',
      'p.json',
      2,
    );
    expect(Array.from(ok[0]?.points ?? [])).toEqual([1, 2, 3, 4]);
    expect(() =>
      parsePredictionsJson('{"faces":[{"name":"a","points":[1,2]}]}', 'p.json', 2),
    ).toThrow('p.json: faces[0]: expected 2 points, found 1 points');
    expect(() =>
      parsePredictionsJson('{"faces":[{"points":[1,2,3,4]}]}', 'p.json', 2),
    ).toThrow(/faces\[0\]: expected "name" to be a string/);
    expect(() => parsePredictionsJson('[1]', 'p.json', 2)).toThrow(
      /expected an object with a "faces" array/,
    );
  });
});

describe('faceKey', () => {
  it('drops image and .pts extensions only', () => {
    expect(faceKey('image_003_1.jpg')).toBe('image_003_1');
    expect(faceKey('a.b.PNG')).toBe('a.b');
    expect(faceKey('sub/c.pts')).toBe('sub/c');
    expect(faceKey('name.v2')).toBe('name.v2');
  });
});
