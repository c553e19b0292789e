import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const REF = `${DATA}/reference`;
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI and resolves with its exit status and output. */
function dmcl(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI}: expected the built CLI; run "npm run build" first`);
  dir = await mkdtemp(join(tmpdir(), 'dmcl-cli-'));
});

describe('dmcl', () => {
  it('--help lists the commands; each command has its own --help', async () => {
    const top = await dmcl('--help');
    expect(top.code).toBe(0);
    for (const name of ['eval', 'scan', 'baseline', 'draw']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
      const own = await dmcl(name, '--help');
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: dmcl ${name} `));
    }
  });

  it('exits 2 with a pointer to --help on a usage error', async () => {
    const unknown = await dmcl('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const flag = await dmcl('eval', '--bogus');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--bogus'[\s\S]*dmcl eval --help/);
    const both = await dmcl('eval', '--predictions', 'a.csv');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/expected exactly one of --truth FILE and --data PATH/);
  });
});

describe('dmcl eval', () => {
  it('reproduces the known answer: 8.51 % (eye-centroid) and 5.90 % (outer corners)', async () => {
    const out = join(dir, 'ref');
    const result = await dmcl(
      'eval',
      '--predictions',
      `${REF}/ibug-dmcl-predictions.csv`,
      '--truth',
      `${REF}/ibug-ground-truth.csv`,
      '--out',
      out,
      '--json',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.faces).toBe(135);
    expect((report.nme['eye-centroid'] * 100).toFixed(2)).toBe('8.51');
    expect((report.nme['outer-eye-corners'] * 100).toFixed(2)).toBe('5.90');
    expect(Object.keys(report.failureRate['eye-centroid'])).toEqual(['0.08', '0.10']);
    expect(Object.keys(report.auc['box-diagonal'])).toEqual(['0.08', '0.10']);

    // The report file and a CED plot that opens
    const saved = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(saved.nme).toEqual(report.nme);
    expect((await sharp(join(out, 'ced.png')).metadata()).format).toBe('png');
    expect(await readFile(join(out, 'ced.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it('prints a table naming each normaliser without --json', async () => {
    const result = await dmcl(
      'eval',
      '--predictions',
      `${REF}/ibug-dmcl-predictions.csv`,
      '--truth',
      `${REF}/ibug-ground-truth.csv`,
      '--boxes',
      `${REF}/ibug-boxes.csv`,
      '--out',
      join(dir, 'table'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eye-centroid\s+8\.51 %/m);
    expect(result.stdout).toMatch(/^outer-eye-corners\s+5\.90 %/m);
    expect(result.stdout).toMatch(/box-diagonal from given boxes/);
  });

  it('names the predictions file when faces are missing', async () => {
    const partial = join(dir, 'partial.csv');
    const text = await readFile(`${REF}/ibug-dmcl-predictions.csv`, 'utf8');
    await writeFile(partial, text.split('\n').slice(0, 100).join('\n'));
    const result = await dmcl(
      'eval',
      '--predictions',
      partial,
      '--truth',
      `${REF}/ibug-ground-truth.csv`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /partial\.csv: expected a prediction for each of the 135 faces, missing 36/,
    );
  });

  it('names a missing --model file and what it expected', async () => {
    const result = await dmcl('eval', '--model', 'm.onnx', '--data', `${DATA}/300w/test`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /m\.onnx: expected a DMCL \.onnx model file, cannot read it/,
    );
  });

  it('evaluates the shipped model on the test faces with --json', async () => {
    const result = await dmcl(
      'eval',
      '--model',
      'models/dmcl-68.onnx',
      '--data',
      `${DATA}/300w/test`,
      '--json',
      '--out',
      await mkdtemp(join(tmpdir(), 'dmcl-eval-')),
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      nme: Record<string, number>;
      faces: number;
    };
    expect(report.faces).toBe(224);
    // The model card's figure is 3.81 %; a broken crop or mapping gives > 10 %.
    expect(report.nme['outer-eye-corners']).toBeLessThan(0.045);
  });
});

describe('dmcl baseline, then dmcl eval --data', () => {
  it('scores the mean training shape on 300-W test', async () => {
    const predictions = join(dir, 'mean.json');
    const made = await dmcl(
      'baseline',
      '--train',
      `${DATA}/300w/train`,
      '--data',
      `${DATA}/300w/test`,
      '--out',
      predictions,
      '--json',
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ faces: 224, trainFaces: 2010 });

    const result = await dmcl(
      'eval',
      '--predictions',
      predictions,
      '--data',
      `${DATA}/300w/test`,
      '--out',
      join(dir, 'baseline'),
      '--json',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.faces).toBe(224);
    // Measured when this test was written: 21.52 %, 15.58 %, 6.49 %
    expect(report.nme['eye-centroid']).toBeCloseTo(0.2152, 4);
    expect(report.nme['outer-eye-corners']).toBeCloseTo(0.1558, 4);
    expect(report.nme['box-diagonal']).toBeCloseTo(0.0649, 4);
  });
});

describe('dmcl scan', () => {
  it('exits 0 on a clean dataset and 1 with every problem listed', async () => {
    const clean = await dmcl('scan', `${DATA}/300w/test`, '--json', '--header-only');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      faces: 224,
      images: 224,
      problems: [],
    });

    const bad = join(dir, 'bad');
    await mkdir(bad);
    await copyFile(`${DATA}/300w/test/lfpw-test_image_0001.jpg`, join(bad, 'a.jpg'));
    await writeFile(join(bad, 'a.pts'), '1 2\n3 4\n');
    await copyFile(`${DATA}/300w/test/lfpw-test_image_0001.pts`, join(bad, 'b.pts'));
    const result = await dmcl('scan', bad);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/problems\s+2/);
    expect(result.stdout).toMatch(/a\.pts: expected 68 points, found 2/);
    expect(result.stdout).toMatch(
      /b\.pts: expected an image b\.jpg\/\.png next to it, found none/,
    );
  });
});

describe('dmcl draw', () => {
  it('writes an overlay PNG of a dataset face with box and crop', async () => {
    const file = join(dir, 'draw.png');
    const result = await dmcl(
      'draw',
      '--data',
      `${DATA}/300w/test`,
      '--face',
      'lfpw-test_image_0001',
      '--box',
      '--crop',
      '--out',
      file,
    );
    expect(result.code).toBe(0);
    const meta = await sharp(file).metadata();
    expect([meta.format, Math.max(meta.width ?? 0, meta.height ?? 0)]).toEqual([
      'png',
      512,
    ]);
  });
});
