import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { readBoxesCsv, readPointsFile } from '../../src/data/predictions.js';
import { faceKey } from '../../src/data/predictions.js';
import { InvalidInputError } from '../../src/errors.js';
import { meanShape, placeShape } from '../../src/evaluation/baseline.js';
import { cedPlotSvg, writeCedPlot } from '../../src/evaluation/ced-plot.js';
import { evaluate, formatReport } from '../../src/evaluation/evaluate.js';
import { IBUG68, validateScheme } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const REF = `${DATA}/reference`;

/** The DMCL authors' iBUG predictions and the 300-W ground truth, matched by name. */
async function reference() {
  const truth = await readPointsFile(`${REF}/ibug-ground-truth.csv`, 68);
  const predicted = new Map(
    (await readPointsFile(`${REF}/ibug-dmcl-predictions.csv`, 68)).map((p) => [
      faceKey(p.name),
      p.points,
    ]),
  );
  const preds = truth.map((t) => predicted.get(faceKey(t.name)) as Float64Array);
  return { truth, preds };
}

describe('evaluate: known answer (DMCL on the 135 iBUG faces)', () => {
  it('gives 8.51 % with eye centroids and 5.90 % with outer eye corners', async () => {
    const { truth, preds } = await reference();
    expect(preds.every((p) => p !== undefined)).toBe(true);
    const report = evaluate(
      preds,
      truth.map((t) => t.points),
      IBUG68,
    );
    expect(report.faces).toBe(135);
    expect(((report.nme['eye-centroid'] ?? 0) * 100).toFixed(2)).toBe('8.51');
    expect(((report.nme['outer-eye-corners'] ?? 0) * 100).toFixed(2)).toBe('5.90');
  });

  it("box-diagonal with the authors' boxes equals the tight ground-truth box", async () => {
    const { truth, preds } = await reference();
    const boxes = await readBoxesCsv(`${REF}/ibug-boxes.csv`);
    const given = truth.map((t) => boxes.get(faceKey(t.name))!);
    const a = evaluate(
      preds,
      truth.map((t) => t.points),
      IBUG68,
      { boxes: given },
    );
    const b = evaluate(
      preds,
      truth.map((t) => t.points),
      IBUG68,
    );
    expect(a.boxSource).toBe('given boxes');
    expect(a.nme['box-diagonal']).toBeCloseTo(b.nme['box-diagonal'] ?? 0, 6);
  });
});

describe('evaluate', () => {
  const square = validateScheme(
    {
      name: 'sq',
      numPoints: 2,
      flipPairs: [[0, 1]],
      normalisers: { 'outer-eye-corners': [0, 1] },
    },
    'sq',
  );

  it('reports zeros, no failures and AUC 1 for perfect predictions', () => {
    const truth = [Float64Array.from([0, 0, 10, 0]), Float64Array.from([5, 5, 25, 5])];
    const report = evaluate(truth, truth, square);
    expect(report.normalisers).toEqual(['outer-eye-corners', 'box-diagonal']);
    expect(report.nme).toEqual({ 'outer-eye-corners': 0, 'box-diagonal': 0 });
    expect(report.failureRate['outer-eye-corners']).toEqual({ '0.08': 0, '0.10': 0 });
    expect(report.auc['box-diagonal']).toEqual({ '0.08': 1, '0.10': 1 });
    expect(report.perLandmark['outer-eye-corners']).toEqual([0, 0]);
  });

  it('matches hand-computed per-face, per-landmark and summary values', () => {
    // Face 1: d = 10, errors (1, 0) -> NME 0.05; face 2: d = 20, errors (0, 4) -> 0.1
    const truth = [Float64Array.from([0, 0, 10, 0]), Float64Array.from([5, 5, 25, 5])];
    const preds = [Float64Array.from([1, 0, 10, 0]), Float64Array.from([5, 5, 25, 9])];
    const report = evaluate(preds, truth, square, {
      names: ['one', 'two'],
      normalisers: ['outer-eye-corners'],
    });
    expect(report.perFace).toEqual([
      { name: 'one', nme: { 'outer-eye-corners': 0.05 } },
      { name: 'two', nme: { 'outer-eye-corners': 0.1 } },
    ]);
    expect(report.nme['outer-eye-corners']).toBeCloseTo(0.075, 15);
    // Landmark 1: (0.1 + 0) / 2; landmark 2: (0 + 0.2) / 2
    expect(report.perLandmark['outer-eye-corners']).toEqual([0.05, 0.1]);
    expect(report.failureRate['outer-eye-corners']).toEqual({ '0.08': 0.5, '0.10': 0 });
    // AUC@0.10: (0.05 + 0) / 2 / 0.1
    expect(report.auc['outer-eye-corners']?.['0.10']).toBeCloseTo(0.25, 15);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('names the face at fault', () => {
    const truth = [Float64Array.from([0, 0, 10, 0]), Float64Array.from([3, 3, 3, 3])];
    expect(() => evaluate(truth, truth, square, { names: ['a', 'b'] })).toThrow(
      /^b: outer-eye-corners: expected a positive normalising distance, found 0/,
    );
    expect(() => evaluate([], [], square)).toThrow(InvalidInputError);
  });

  it('formats a table with the normaliser on every row', () => {
    const truth = [Float64Array.from([0, 0, 10, 0])];
    const text = formatReport(
      evaluate([Float64Array.from([1, 0, 10, 0])], truth, square),
    );
    expect(text).toMatch(/outer-eye-corners\s+5\.00 %/);
    expect(text).toMatch(/^1 faces, scheme sq/);
  });
});

describe('CED plot', () => {
  it('writes an SVG and a PNG that can be opened', async () => {
    const { truth, preds } = await reference();
    const report = evaluate(
      preds,
      truth.map((t) => t.points),
      IBUG68,
    );
    const svg = cedPlotSvg(report);
    expect(svg).toContain('eye-centroid (NME 8.51 %)');
    expect(svg).toContain('outer-eye-corners (NME 5.90 %)');
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-ced-'));
    const paths = await writeCedPlot(report, join(dir, 'ced'));
    const meta = await sharp(paths.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 840]);
    expect((await sharp(paths.svg).metadata()).format).toBe('svg');
  });
});

describe('meanShape baseline', () => {
  it('places the box-relative mean in a box', () => {
    const faces = [
      {
        points: Float64Array.from([0, 0, 10, 10]),
        box: { left: 0, right: 10, top: 0, bottom: 10 },
      },
      {
        points: Float64Array.from([2, 4, 4, 8]),
        box: { left: 0, right: 4, top: 0, bottom: 8 },
      },
    ];
    const shape = meanShape(faces);
    expect(Array.from(shape)).toEqual([0.25, 0.25, 1, 1]);
    const placed = placeShape(shape, { left: 100, right: 120, top: 50, bottom: 90 });
    expect(Array.from(placed)).toEqual([105, 60, 120, 90]);
    expect(() => meanShape([])).toThrow(InvalidInputError);
  });
});
