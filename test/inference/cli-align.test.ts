import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { parsePointsCsv, parsePredictionsJson } from '../../src/data/predictions.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const TEST = `${DATA}/300w/test`;
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Runs `dmcl` from source (through tsx) and resolves with its status and output. */
function dmcl(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      (error, stdout, stderr) => {
        const code =
          error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dmcl-align-'));
  await mkdir(join(dir, 'photos', 'more'), { recursive: true });
  for (const name of ['lfpw-test_image_0001', 'lfpw-test_image_0002']) {
    await copyFile(join(TEST, `${name}.jpg`), join(dir, 'photos', `${name}.jpg`));
  }
  await copyFile(
    join(TEST, 'lfpw-test_image_0003.jpg'),
    join(dir, 'photos', 'more', 'c.jpg'),
  );
  await writeFile(join(dir, 'photos', 'broken.jpg'), 'not a jpeg');
});

describe('dmcl align', () => {
  it('has a help page, and says so on bad usage', async () => {
    const help = await dmcl('align', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dmcl align \[options\] PHOTO\|FOLDER\.\.\./);
    expect(help.stdout).toMatch(/--force/);
    const top = await dmcl('--help');
    expect(top.stdout).toMatch(/^ {2}align {2,}find faces/m);

    const none = await dmcl('align');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /expected photos or folders to align[\s\S]*dmcl align --help/,
    );
    const format = await dmcl('align', '--format', 'xml', 'a.jpg');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(
      /--format: expected json, csv or json,csv, found "xml"/,
    );
  }, 60_000);

  it('writes JSON next to each photo, skips the unreadable one, and never overwrites', async () => {
    const photos = join(dir, 'photos');
    const first = await dmcl('align', '-q', photos);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      /broken\.jpg: expected an image sharp can decode.*; skipped/,
    );

    const path = join(photos, 'lfpw-test_image_0001.landmarks.json');
    const faces = parsePredictionsJson(await readFile(path, 'utf8'), path, 68);
    expect(faces).toHaveLength(1);
    expect(faces[0]?.name).toBe('lfpw-test_image_0001');
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ format: 'dmcl-predictions', width: 248, height: 256 });
    await expect(stat(join(photos, 'more', 'c.landmarks.json'))).rejects.toThrow(
      /ENOENT/,
    );

    // A second run leaves the outputs alone unless forced
    const before = (await stat(path)).mtimeMs;
    const again = await dmcl('align', '-q', join(photos, 'lfpw-test_image_0001.jpg'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/landmarks\.json exists \(use --force to overwrite\)/);
    expect((await stat(path)).mtimeMs).toBe(before);
    const forced = await dmcl(
      'align',
      '-q',
      '--force',
      join(photos, 'lfpw-test_image_0001.jpg'),
    );
    expect(forced.code).toBe(0);
    expect((await stat(path)).mtimeMs).toBeGreaterThan(before);
  }, 120_000);

  it('writes CSV and overlays under --out, recursing into subfolders', async () => {
    const out = join(dir, 'out');
    const photos = join(dir, 'photos');
    const run = await dmcl(
      'align',
      '-r',
      '--out',
      out,
      '--format',
      'json,csv',
      '--draw',
      photos,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/aligned 3 faces in 3 photos, 1 skipped/);
    const csv = join(out, 'more', 'c.landmarks.csv');
    const rows = parsePointsCsv(await readFile(csv, 'utf8'), csv, 68);
    expect(rows.map((r) => r.name)).toEqual(['c']);
    expect(
      (await stat(join(out, 'lfpw-test_image_0002.landmarks.png'))).size,
    ).toBeGreaterThan(1000);
  }, 120_000);
});
