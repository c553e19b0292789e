import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadDataset, scanDataset, spread } from '../../src/data/dataset.js';
import { formatPts, parsePts } from '../../src/data/pts.js';
import { DataFormatError } from '../../src/errors.js';
import { boxFromPoints } from '../../src/geometry/box.js';
import { IBUG68 } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const TEST = `${DATA}/300w/test`;
const options = { scheme: IBUG68 };

let dir: string;
let points1: Float64Array;

/** Real photos and annotations arranged in the forms the loader must accept, plus bad faces. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dmcl-dataset-'));
  const good = join(dir, 'good');
  await mkdir(join(good, 'sub'), { recursive: true });
  const pts = async (k: string): Promise<string> =>
    readFile(`${TEST}/lfpw-test_image_${k}.pts`, 'utf8');
  points1 = parsePts(await pts('0001'), 'p', 68);

  // Plain 300-W pair; a PNG with a header-less .pts; two faces of one photo; a subfolder
  await copyFile(`${TEST}/lfpw-test_image_0001.jpg`, join(good, 'a.jpg'));
  await writeFile(join(good, 'a.pts'), await pts('0001'));
  await sharp(`${TEST}/lfpw-test_image_0002.jpg`).png().toFile(join(good, 'b.png'));
  const p2 = parsePts(await pts('0002'), 'p', 68);
  await writeFile(
    join(good, 'b.pts'),
    formatPts(p2).split('{\n')[1]?.replace('}\n', '') ?? '',
  );
  await copyFile(`${TEST}/lfpw-test_image_0003.jpg`, join(good, 'group.jpg'));
  await writeFile(join(good, 'group_1.pts'), await pts('0003'));
  const shifted = parsePts(await pts('0003'), 'p', 68).map((v) => v + 3);
  await writeFile(join(good, 'group_2.pts'), formatPts(shifted));
  await copyFile(`${TEST}/lfpw-test_image_0004.jpg`, join(good, 'sub', 'c.jpg'));
  await writeFile(join(good, 'sub', 'c.pts'), await pts('0004'));

  // Bad faces, one problem each
  const bad = join(dir, 'bad');
  await mkdir(bad);
  await copyFile(`${TEST}/lfpw-test_image_0001.jpg`, join(bad, 'ok.jpg'));
  await writeFile(join(bad, 'ok.pts'), await pts('0001'));
  await writeFile(join(bad, 'missing.pts'), await pts('0001'));
  await writeFile(join(bad, 'garbage.jpg'), 'this is not a JPEG');
  await writeFile(join(bad, 'garbage.pts'), await pts('0001'));
  const text = await pts('0001');
  for (const name of ['short', 'nan', 'far']) {
    await copyFile(`${TEST}/lfpw-test_image_0001.jpg`, join(bad, `${name}.jpg`));
  }
  await writeFile(join(bad, 'short.pts'), formatPts(points1.subarray(0, 134)));
  await writeFile(join(bad, 'nan.pts'), text.replace('64.9846 98.1817', '64.9846 NaN'));
  const far = Float64Array.from(points1);
  far[20] = 5000;
  await writeFile(join(bad, 'far.pts'), formatPts(far));
});

describe('loadDataset', () => {
  it('reads the 300-W test folder: 224 faces with tight boxes', async () => {
    const faces = await loadDataset(TEST, options);
    expect(faces.length).toBe(224);
    const first = faces[0];
    expect(first?.name).toBe('lfpw-test_image_0001');
    expect(first?.imagePath).toBe(`${TEST}/lfpw-test_image_0001.jpg`);
    expect(Array.from(first?.points ?? [])).toEqual(Array.from(points1));
    expect(first?.box).toEqual(boxFromPoints(points1));
    expect(first?.imageWidth).toBeGreaterThan(100);
  });

  it('finds PNGs, header-less .pts, <photo>_<k> faces and subfolders', async () => {
    const faces = await loadDataset(join(dir, 'good'), options);
    expect(faces.map((f) => f.name)).toEqual(['a', 'b', 'group_1', 'group_2', 'sub/c']);
    expect(faces[1]?.imagePath).toBe(join(dir, 'good', 'b.png'));
    expect(faces[2]?.imagePath).toBe(join(dir, 'good', 'group.jpg'));
    expect(faces[3]?.imagePath).toBe(join(dir, 'good', 'group.jpg'));
    expect((faces[3]?.points[0] ?? 0) - (faces[2]?.points[0] ?? 0)).toBeCloseTo(3, 9);
  });

  it('reads a list file of .pts and image paths, with comments', async () => {
    const list = join(dir, 'good', 'list.txt');
    await writeFile(list, '# two faces\na.pts\n\nsub/c.jpg  # by image\n');
    const faces = await loadDataset(list, options);
    expect(faces.map((f) => f.name)).toEqual(['a', 'sub/c']);
    expect(faces[1]?.imagePath).toBe(join(dir, 'good', 'sub', 'c.jpg'));
  });

  it('reads a JSON manifest with .pts paths, inline points and boxes', async () => {
    const manifest = join(dir, 'good', 'faces.json');
    const box = { left: 50, right: 200, top: 60, bottom: 210 };
    const pairs = Array.from({ length: 68 }, (_, i) => [
      points1[2 * i],
      points1[2 * i + 1],
    ]);
    await writeFile(
      manifest,
      JSON.stringify({
        faces: [
          { image: 'a.jpg', pts: 'a.pts' },
          { name: 'inline', image: 'a.jpg', points: pairs, box },
        ],
      }),
    );
    const faces = await loadDataset(manifest, options);
    expect(faces.map((f) => f.name)).toEqual(['a', 'inline']);
    expect(Array.from(faces[1]?.points ?? [])).toEqual(Array.from(points1));
    expect(faces[1]?.box).toEqual(box);
    expect(faces[0]?.box).toEqual(boxFromPoints(points1));
  });

  const bad: [string, string, RegExp][] = [
    [
      'a missing image',
      'missing.pts',
      /missing\.pts: expected an image missing\.jpg\/\.png next to it, found none/,
    ],
    [
      'an unreadable image',
      'garbage.pts',
      /garbage\.jpg: expected an image sharp can read/,
    ],
    ['a wrong point count', 'short.pts', /short\.pts: expected 68 points, found 67/],
    [
      'a non-numeric value',
      'nan.pts',
      /nan\.pts: line 5: expected two numbers "x y", found "64\.9846 NaN"/,
    ],
    [
      'points far outside the image',
      'far.pts',
      /far\.pts: expected points on the photo, point 11 \(5000, [\d.]+\) lies far outside/,
    ],
  ];
  for (const [what, file, message] of bad) {
    it(`refuses ${what}, naming the file`, async () => {
      const list = join(dir, 'bad', `${file}.list`);
      await writeFile(list, `${file}\n`);
      await expect(loadDataset(list, options)).rejects.toThrow(DataFormatError);
      await expect(loadDataset(list, options)).rejects.toThrow(message);
    });
  }

  it('throws on the first bad face of a folder, in name order', async () => {
    await expect(loadDataset(join(dir, 'bad'), options)).rejects.toThrow(/far\.pts: /);
  });

  it('names the manifest and the entry for a bad manifest face', async () => {
    const manifest = join(dir, 'good', 'broken.json');
    await writeFile(
      manifest,
      JSON.stringify([
        { image: 'a.jpg', pts: 'a.pts' },
        { image: 'x.jpg', pts: 'a.pts' },
      ]),
    );
    await expect(loadDataset(manifest, options)).rejects.toThrow(
      /broken\.json: faces\[1\]: .*x\.jpg: expected an image file, found none/,
    );
    await writeFile(manifest, JSON.stringify({ faces: [{ pts: 'a.pts' }] }));
    await expect(loadDataset(manifest, options)).rejects.toThrow(
      /faces\[0\]: expected "image" to be a path string/,
    );
  });

  it('refuses a dataset path that does not exist', async () => {
    await expect(loadDataset(join(dir, 'nowhere'), options)).rejects.toThrow(
      /nowhere: expected a dataset folder, list file or JSON manifest, found none \(ENOENT\)/,
    );
  });
});

describe('scanDataset', () => {
  it('lists every problem and keeps the good faces', async () => {
    const scan = await scanDataset(join(dir, 'bad'), options);
    expect(scan.kind).toBe('folder');
    expect(scan.entries).toBe(6);
    expect(scan.faces.map((f) => f.name)).toEqual(['ok']);
    const files = scan.problems.map((p) => p.file.split('/').pop());
    expect(files).toEqual([
      'far.pts',
      'garbage.jpg',
      'missing.pts',
      'nan.pts',
      'short.pts',
    ]);
    expect(scan.problems[1]?.problem).toMatch(/expected an image sharp can decode/);
    expect(scan.images).toBe(1);
    expect(scan.boxWidth.count).toBe(1);
  });

  it('summarises the 300-W test folder with no problems', async () => {
    const scan = await scanDataset(TEST, { ...options, decodeImages: false });
    expect(scan.problems).toEqual([]);
    expect([scan.entries, scan.faces.length, scan.images]).toEqual([224, 224, 224]);
    expect(scan.boxWidth.min).toBeGreaterThan(50);
    expect(scan.imageWidth.max).toBeLessThanOrEqual(256);
  });

  it('reports repeated names', async () => {
    const list = join(dir, 'good', 'twice.txt');
    await writeFile(list, 'a.pts\na.jpg\n');
    const scan = await scanDataset(list, options);
    expect(scan.problems.map((p) => p.problem)).toEqual([
      expect.stringMatching(/expected unique face names, "a" also comes from/),
    ]);
    await expect(loadDataset(list, options)).rejects.toThrow(
      /expected unique face names/,
    );
  });
});

describe('spread', () => {
  it('gives min, median, mean and max, and zeros for nothing', () => {
    expect(spread([4, 1, 3, 2])).toEqual({
      count: 4,
      min: 1,
      median: 2.5,
      mean: 2.5,
      max: 4,
    });
    expect(spread([])).toEqual({ count: 0, min: 0, median: 0, mean: 0, max: 0 });
  });
});
