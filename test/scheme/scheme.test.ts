import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/errors.js';
import {
  availableNormalisers,
  defaultNormaliser,
  IBUG68,
  permuteForFlip,
  schemeToJson,
  validateScheme,
} from '../../src/scheme/scheme.js';
import { loadScheme, resolveScheme } from '../../src/scheme/load.js';

const FIVE = new URL('./fixtures/five-point.json', import.meta.url).pathname;

/** A minimal valid scheme value, to break one field at a time. */
function base(): Record<string, unknown> {
  return {
    name: 'tiny',
    numPoints: 3,
    flipPairs: [[0, 2]],
    clusters: [
      { name: 'a', points: [0, 1] },
      { name: 'b', points: [2] },
    ],
  };
}

describe('IBUG68', () => {
  it('has 68 unique names and the regions of method.md section 1', () => {
    expect(IBUG68.numPoints).toBe(68);
    expect(new Set(IBUG68.pointNames).size).toBe(68);
    expect(IBUG68.regions.jaw).toEqual([...Array(17).keys()]);
    expect(IBUG68.regions['left-eye']).toEqual([36, 37, 38, 39, 40, 41]);
    expect(IBUG68.pointNames[36]).toBe('left-eye-outer-corner');
    expect(IBUG68.pointNames[45]).toBe('right-eye-outer-corner');
  });

  it('pairs left and right points (1-based 1<->17, 37<->46, 49<->55; 31 and 58 alone)', () => {
    const p = IBUG68.flipPartners;
    expect(p[0]).toBe(16);
    expect(p[8]).toBe(8);
    expect(p[36]).toBe(45);
    expect(p[39]).toBe(42);
    expect(p[48]).toBe(54);
    expect(p[30]).toBe(30);
    expect(p[57]).toBe(57);
    p.forEach((q, i) => expect(p[q]).toBe(i));
  });

  it('has the seven default DMCL clusters as a partition', () => {
    const sizes = IBUG68.clusters.map((c) => [c.name, c.points.length]);
    expect(sizes).toEqual([
      ['jaw-left', 6],
      ['chin', 5],
      ['jaw-right', 6],
      ['left-brow-and-eye', 11],
      ['right-brow-and-eye', 11],
      ['nose', 9],
      ['mouth', 20],
    ]);
    const all = IBUG68.clusters.flatMap((c) => c.points).sort((a, b) => a - b);
    expect(all).toEqual([...Array(68).keys()]);
  });

  it('names the eye-centroid and outer-eye-corner points, 0-based', () => {
    expect(IBUG68.normalisers['eye-centroid']).toEqual([
      [36, 37, 38, 39, 40, 41],
      [42, 43, 44, 45, 46, 47],
    ]);
    expect(IBUG68.normalisers['outer-eye-corners']).toEqual([36, 45]);
    expect(availableNormalisers(IBUG68)).toEqual([
      'eye-centroid',
      'outer-eye-corners',
      'box-diagonal',
    ]);
    expect(defaultNormaliser(IBUG68)).toBe('eye-centroid');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(IBUG68)).toBe(true);
    expect(Object.isFrozen(IBUG68.flipPartners)).toBe(true);
  });

  it('survives schemeToJson and validateScheme unchanged', async () => {
    const again = validateScheme(
      JSON.parse(JSON.stringify(schemeToJson(IBUG68))),
      'copy',
    );
    expect(again).toEqual(IBUG68);
    await expect(resolveScheme('ibug68')).resolves.toBe(IBUG68);
  });
});

describe('permuteForFlip', () => {
  it('is its own inverse and moves point 37 to 46', () => {
    const points = Float64Array.from({ length: 136 }, (_, i) => i);
    const once = permuteForFlip(points, IBUG68);
    expect(once[2 * 45]).toBe(points[2 * 36]);
    expect(Array.from(permuteForFlip(once, IBUG68))).toEqual(Array.from(points));
  });
});

describe('loadScheme', () => {
  it('reads a user scheme with 1-based indices and flip pairs', async () => {
    const five = await loadScheme(FIVE);
    expect(five.numPoints).toBe(5);
    expect(five.flipPartners).toEqual([1, 0, 2, 4, 3]);
    expect(five.clusters[1]).toEqual({ name: 'nose-and-mouth', points: [2, 3, 4] });
    expect(five.normalisers).toEqual({ 'outer-eye-corners': [0, 1] });
    expect(availableNormalisers(five)).toEqual(['outer-eye-corners', 'box-diagonal']);
  });

  it('names the file when it is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-scheme-'));
    await expect(loadScheme(join(dir, 'none.json'))).rejects.toThrow(
      /none\.json: expected a scheme JSON file, cannot read it \(ENOENT\)/,
    );
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "name": ');
    await expect(loadScheme(bad)).rejects.toThrow(ConfigError);
    await expect(loadScheme(bad)).rejects.toThrow(/bad\.json: expected JSON/);
  });
});

describe('validateScheme', () => {
  it('fills defaults: point names, no regions, one cluster, box-diagonal only', () => {
    const s = validateScheme({ name: 'n', numPoints: 2, flipPairs: [] }, 'x');
    expect(s.pointNames).toEqual(['point-1', 'point-2']);
    expect(s.clusters).toEqual([{ name: 'all', points: [0, 1] }]);
    expect(s.flipPartners).toEqual([0, 1]);
    expect(availableNormalisers(s)).toEqual(['box-diagonal']);
    expect(defaultNormaliser(s)).toBe('box-diagonal');
  });

  const cases: [string, (v: Record<string, unknown>) => void, RegExp][] = [
    [
      'a missing name',
      (v) => delete v.name,
      /s\.json: name: expected a non-empty string/,
    ],
    [
      'a bad point count',
      (v) => (v.numPoints = 2.5),
      /numPoints: expected a positive integer/,
    ],
    [
      'an index out of range',
      (v) => (v.flipPairs = [[0, 3]]),
      /expected an index in 0\.\.2/,
    ],
    [
      'both flip forms',
      (v) => (v.flipPartners = [2, 1, 0]),
      /expected exactly one of flipPartners or flipPairs, found both/,
    ],
    [
      'partners that are not an involution',
      (v) => {
        delete v.flipPairs;
        v.flipPartners = [1, 2, 0];
      },
      /expected an involution, but 0 -> 1 -> 2/,
    ],
    [
      'overlapping clusters',
      (v) =>
        (v.clusters = [
          { name: 'a', points: [0, 1] },
          { name: 'b', points: [1, 2] },
        ]),
      /expected a partition of the points, found point 1 in both "a" and "b"/,
    ],
    [
      'a point in no cluster',
      (v) => (v.clusters = [{ name: 'a', points: [0, 1] }]),
      /expected every point in one cluster, point 2 is in none/,
    ],
    [
      'an unknown normaliser',
      (v) => (v.normalisers = { 'inter-pupil': [0, 1] }),
      /expected only the keys eye-centroid, outer-eye-corners, box-diagonal, found "inter-pupil"/,
    ],
    [
      'duplicate point names',
      (v) => (v.pointNames = ['a', 'b', 'a']),
      /pointNames: expected unique names, found "a" twice/,
    ],
    [
      'a wrong number of names',
      (v) => (v.pointNames = ['a']),
      /expected 3 names.*found 1 names/,
    ],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`refuses ${what} with a ConfigError naming the file`, () => {
      const value = base();
      breakIt(value);
      expect(() => validateScheme(value, 's.json')).toThrow(ConfigError);
      expect(() => validateScheme(value, 's.json')).toThrow(message);
    });
  }

  it('accepts the base case (so every refusal above is about its one change)', () => {
    expect(validateScheme(base(), 's.json').flipPartners).toEqual([2, 1, 0]);
  });

  it('reports indices in the base of the file', () => {
    const value = { ...base(), indexBase: 1, flipPairs: [[1, 4]] };
    expect(() => validateScheme(value, 's.json')).toThrow(
      /expected an index in 1\.\.3 \(indexBase 1\), found 4/,
    );
  });
});
