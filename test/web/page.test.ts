/**
 * The demo page in a real browser: Debian's Chromium, driven by playwright-core,
 * loads the page built by Vite from a local server, a real 300-W photo is
 * uploaded, and the landmarks the page offers for download must match the Node
 * library's for the same photo and model within 0.5 px. A screenshot of the page
 * with its overlay is saved to web/test-output/page.png.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadAligner } from '../../src/inference/node.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const PHOTO = join(DATA, '300w/test/lfpw-test_image_0001.jpg');
const MODEL = join(ROOT, 'models/dmcl-68.onnx');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONFIG = join(ROOT, 'web/vite.config.ts');
const SHOT = join(ROOT, 'web/test-output/page.png');

/** Generous waits: a loaded 2-core machine builds and starts slowly. */
const WAIT = 240_000;

/** The flags Chromium needs as root on a machine without a network or GPU. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The page's download: faces with 1-based points `[[x, y], ...]`. */
interface PageReport {
  image: { name: string; width: number; height: number };
  backend: string;
  faces: { box: Record<string, number>; points: [number, number][] }[];
  timingsMs: Record<string, number>;
}

describe('demo page in Chromium', () => {
  let server: PreviewServer | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM}: expected Debian's Chromium (apt-get install -y chromium), found none`,
      );
    }

    // Build the page with the model in models/, then serve the build
    await build({ configFile: CONFIG, logLevel: 'error' });
    server = await preview({
      configFile: CONFIG,
      logLevel: 'error',
      preview: { port: 0 },
    });
    const url = server.resolvedUrls?.local[0];
    if (url === undefined)
      throw new Error('vite preview: expected a local address, found none');

    // A fresh profile each run; nothing may reach the network
    profile = await mkdtemp(join(tmpdir(), 'dmcl-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      acceptDownloads: true,
      viewport: { width: 1200, height: 800 },
    });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`failed: ${request.url()}`));
    await page.goto(`${url}?backend=wasm`);
    await page.waitForSelector('body:not([data-state="loading"])', { timeout: WAIT });
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
  });

  it('loads the model offline and is ready on WASM', async () => {
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    expect(await page.textContent('#status')).toContain('(wasm)');
    expect(errors).toEqual([]);
  });

  it('aligns an uploaded photo like the Node library, within 0.5 px', async () => {
    // Upload, wait for the overlay, save a screenshot
    await page.setInputFiles('#file', PHOTO);
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', {
      timeout: WAIT,
    });
    expect(await page.textContent('#status')).not.toMatch(/Error/);
    await mkdir(join(ROOT, 'web/test-output'), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });

    // The landmarks as the page's download button saves them
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#download'),
    ]);
    const path = await download.path();
    const report = JSON.parse(await readFile(path, 'utf8')) as PageReport;
    expect(report.image).toEqual({
      name: 'lfpw-test_image_0001.jpg',
      width: 248,
      height: 256,
    });
    expect(report.backend).toBe('wasm');
    for (const stage of ['decode', 'detect', 'model']) {
      expect(report.timingsMs[stage]).toBeGreaterThan(0);
    }

    // The Node library on the same file: sharp decodes, same detector and model
    const aligner = await loadAligner(MODEL);
    const faces = await aligner.align(PHOTO);
    await aligner.dispose();
    expect(faces.length).toBeGreaterThan(0);
    expect(report.faces).toHaveLength(faces.length);
    let maxDiff = 0;
    faces.forEach((face, f) => {
      const points = report.faces[f]?.points ?? [];
      expect(points).toHaveLength(face.landmarks.length / 2);
      points.forEach(([x, y], i) => {
        const dx = x - (face.landmarks[2 * i] as number);
        const dy = y - (face.landmarks[2 * i + 1] as number);
        maxDiff = Math.max(maxDiff, Math.hypot(dx, dy));
      });
    });
    console.log(
      `browser vs Node: max landmark difference ${maxDiff.toExponential(2)} px`,
    );
    expect(maxDiff).toBeLessThan(0.5);
    expect(errors).toEqual([]);
  }, 600_000);
});
