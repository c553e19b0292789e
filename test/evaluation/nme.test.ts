import { describe, expect, it } from 'vitest';

import { ConfigError, InvalidInputError } from '../../src/errors.js';
import {
  aucAt,
  cedCurve,
  failureRate,
  thresholdKey,
} from '../../src/evaluation/metrics.js';
import { nmePerFace, normaliserDistance, pointErrors } from '../../src/evaluation/nme.js';
import { IBUG68, validateScheme } from '../../src/scheme/scheme.js';

/** Four points on a 10 x 10 square; "eyes" are the left and right columns. */
const SQUARE = validateScheme(
  {
    name: 'square',
    numPoints: 4,
    flipPairs: [
      [0, 1],
      [2, 3],
    ],
    normalisers: {
      'eye-centroid': [
        [0, 2],
        [1, 3],
      ],
      'outer-eye-corners': [0, 3],
    },
  },
  'square',
);
const TRUTH = Float64Array.from([0, 0, 10, 0, 0, 10, 10, 10]);

describe('normaliserDistance', () => {
  it('computes each normaliser by hand', () => {
    // Centroids (0, 5) and (10, 5): 10; points 0 and 3: sqrt(200); tight box 10 x 10
    expect(normaliserDistance(TRUTH, SQUARE, 'eye-centroid')).toBe(10);
    expect(normaliserDistance(TRUTH, SQUARE, 'outer-eye-corners')).toBeCloseTo(
      Math.SQRT2 * 10,
      12,
    );
    expect(normaliserDistance(TRUTH, SQUARE, 'box-diagonal')).toBeCloseTo(
      Math.SQRT2 * 10,
      12,
    );
    const box = { left: 0, right: 30, top: 0, bottom: 40 };
    expect(normaliserDistance(TRUTH, SQUARE, 'box-diagonal', box)).toBe(50);
  });

  it('refuses a normaliser the scheme lacks, and a zero distance', () => {
    const bare = validateScheme({ name: 'bare', numPoints: 4, flipPairs: [] }, 'bare');
    expect(() => normaliserDistance(TRUTH, bare, 'eye-centroid')).toThrow(ConfigError);
    expect(() => normaliserDistance(TRUTH, bare, 'eye-centroid')).toThrow(
      /scheme bare has no points for it; use box-diagonal/,
    );
    const flat = new Float64Array(8);
    expect(() => normaliserDistance(flat, SQUARE, 'eye-centroid')).toThrow(
      InvalidInputError,
    );
  });
});

describe('nmePerFace', () => {
  it('is 0 for identical points under every normaliser', () => {
    for (const m of ['eye-centroid', 'outer-eye-corners', 'box-diagonal'] as const) {
      expect(nmePerFace(TRUTH, TRUTH, SQUARE, m)).toBe(0);
    }
  });

  it('matches a hand-computed case', () => {
    // Point 1 off by (3, 4): errors 5, 0, 0, 0, mean 1.25
    const pred = Float64Array.from([3, 4, 10, 0, 0, 10, 10, 10]);
    expect(Array.from(pointErrors(pred, TRUTH))).toEqual([5, 0, 0, 0]);
    expect(nmePerFace(pred, TRUTH, SQUARE, 'eye-centroid')).toBe(0.125);
    expect(nmePerFace(pred, TRUTH, SQUARE, 'outer-eye-corners')).toBeCloseTo(
      1.25 / Math.sqrt(200),
      15,
    );
  });

  it('gives shift / eye distance for a shifted 68-point face', () => {
    // Eyes: 37-42 around (30, 40), 43-48 around (70, 40): centroids 40 apart
    const truth = new Float64Array(136);
    for (let i = 0; i < 68; i++) {
      truth[2 * i] = 50 + (i % 7);
      truth[2 * i + 1] = 60 + (i % 5);
    }
    const ring = [-2, -1, 1, 2, 1, -1];
    for (let k = 0; k < 6; k++) {
      truth[2 * (36 + k)] = 30 + ring[k]!;
      truth[2 * (36 + k) + 1] = 40 + ring[(k + 3) % 6]!;
      truth[2 * (42 + k)] = 70 + ring[k]!;
      truth[2 * (42 + k) + 1] = 40 + ring[(k + 3) % 6]!;
    }
    const pred = truth.map((v, i) => v + (i % 2 === 0 ? 3 : 4));
    expect(nmePerFace(pred, truth, IBUG68, 'eye-centroid')).toBeCloseTo(5 / 40, 14);
    // Outer corners 37 (28, 42) and 46 (72, 38): hypot(44, 4) apart
    expect(nmePerFace(pred, truth, IBUG68, 'outer-eye-corners')).toBeCloseTo(
      5 / Math.hypot(44, 4),
      14,
    );
  });

  it('refuses arrays of the wrong length', () => {
    expect(() => nmePerFace(TRUTH.subarray(0, 6), TRUTH, SQUARE, 'box-diagonal')).toThrow(
      'pred: expected 8 values (4 points, square), found 6',
    );
  });
});

describe('failure rate, AUC and CED', () => {
  const errors = [0.02, 0.05, 0.09, 0.2];

  it('failure rate counts errors strictly above the threshold', () => {
    expect(failureRate(errors, 0.08)).toBe(0.5);
    expect(failureRate(errors, 0.1)).toBe(0.25);
    expect(failureRate(errors, 0.09)).toBe(0.25);
    expect(failureRate([], 0.1)).toBe(0);
  });

  it('AUC is the exact area under the CED step function, by hand', () => {
    // (0.06 + 0.03) / 4 / 0.08 and (0.08 + 0.05 + 0.01) / 4 / 0.1
    expect(aucAt(errors, 0.08)).toBeCloseTo(0.28125, 15);
    expect(aucAt(errors, 0.1)).toBeCloseTo(0.35, 15);
    expect(aucAt([0, 0], 0.1)).toBe(1);
  });

  it('CED counts errors at most x', () => {
    const ced = cedCurve([0.02, 0.05], 0.1, 10);
    expect(ced.x.length).toBe(11);
    expect(ced.y).toEqual([0, 0, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1]);
  });

  it('threshold keys keep two decimals', () => {
    expect([0.08, 0.1, 0.05, 0.075].map(thresholdKey)).toEqual([
      '0.08',
      '0.10',
      '0.05',
      '0.075',
    ]);
  });
});
