import { describe, expect, it } from 'vitest';

import {
  boxIou,
  checkBoxInPhoto,
  fitBoxMapping,
  IDENTITY_BOX_MAPPING,
  mapDetectorBox,
} from '../../src/inference/boxes.js';

describe('detector box mapping', () => {
  it('maps by centre shift and scale relative to the detector box', () => {
    const box = { left: 10, right: 110, top: 20, bottom: 220 };
    const mapped = mapDetectorBox(box, { dx: 0.1, dy: -0.05, sx: 0.8, sy: 0.5 });
    // centre (60, 120) + (10, -10); size 80 x 100
    expect(mapped).toEqual({ left: 30, right: 110, top: 60, bottom: 160 });
    expect(mapDetectorBox(box, IDENTITY_BOX_MAPPING)).toEqual(box);
  });

  it('fits back a known mapping, unmoved by a few bad pairs', () => {
    const truth = { dx: 0.02, dy: 0.1, sx: 0.7, sy: 0.65 };
    const pairs = [];
    for (let k = 0; k < 9; k++) {
      const detected = {
        left: 5 * k,
        right: 5 * k + 40 + 7 * k,
        top: 3 * k,
        bottom: 3 * k + 50 + k,
      };
      pairs.push({ detected, target: mapDetectorBox(detected, truth) });
    }
    const junk = { left: 0, right: 10, top: 0, bottom: 10 };
    pairs.push({ detected: junk, target: { left: 50, right: 90, top: 50, bottom: 99 } });
    const fitted = fitBoxMapping(pairs);
    for (const key of ['dx', 'dy', 'sx', 'sy'] as const) {
      expect(fitted[key]).toBeCloseTo(truth[key], 10);
    }
    expect(() => fitBoxMapping([])).toThrow(/expected at least one box pair, found none/);
  });

  it('measures overlap', () => {
    const a = { left: 0, right: 10, top: 0, bottom: 10 };
    expect(boxIou(a, a)).toBe(1);
    expect(boxIou(a, { left: 5, right: 15, top: 0, bottom: 10 })).toBeCloseTo(
      50 / 150,
      12,
    );
    expect(boxIou(a, { left: 20, right: 30, top: 0, bottom: 10 })).toBe(0);
  });

  it('accepts boxes reaching past the photo, refuses boxes outside it', () => {
    const edge = { left: -20, right: 30, top: 90, bottom: 140 };
    expect(checkBoxInPhoto(edge, 100, 100, 'b')).toEqual(edge);
    expect(() =>
      checkBoxInPhoto({ left: -20, right: 0.5, top: 1, bottom: 9 }, 100, 100, 'b'),
    ).toThrow(
      /b: expected a box overlapping the 100x100 photo .* found left -20, right 0.5/,
    );
    expect(() =>
      checkBoxInPhoto({ left: 1, right: 9, top: 5, bottom: 5 }, 100, 100, 'b'),
    ).toThrow(/b: expected a box with right > left and bottom > top/);
  });
});
