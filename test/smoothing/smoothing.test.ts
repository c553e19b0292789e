import { describe, expect, it } from 'vitest';

import { Rng } from '../../src/augment/rng.js';
import { ConfigError, InvalidInputError } from '../../src/errors.js';
import {
  frameToFrameMotion,
  LandmarkSmoother,
  meanDistance,
  OneEuroFilter,
  smoothingFactor,
} from '../../src/smoothing/index.js';

/** A 3-point face of size about 100 px at (x, y), plus noise of `sigma` px. */
function face(x: number, y: number, rng?: Rng, sigma = 0): Float64Array {
  const base = [x - 50, y - 50, x + 50, y - 50, x, y + 50];
  return Float64Array.from(
    base,
    (v) => v + (rng === undefined ? 0 : sigma * rng.normal()),
  );
}

/** Runs a filter over frames at `fps`, returning the outputs. */
function run(
  filter: OneEuroFilter | LandmarkSmoother,
  frames: Float64Array[],
  fps: number,
): Float64Array[] {
  return frames.map((f, t) => {
    const time = (t * 1000) / fps;
    if (filter instanceof OneEuroFilter) return filter.filter(f, time, 100);
    return filter.update([f], time)[0] as Float64Array;
  });
}

describe('OneEuroFilter', () => {
  it('passes the first frame and a constant signal through unchanged', () => {
    const filter = new OneEuroFilter();
    const still = face(200, 150);
    expect(Array.from(filter.filter(still, 0))).toEqual(Array.from(still));
    const later = filter.filter(still, 33);
    for (let k = 0; k < still.length; k++)
      expect(later[k]).toBeCloseTo(still[k] as number, 12);
  });

  it('removes most jitter from a still face', () => {
    const rng = new Rng(7);
    const frames = Array.from({ length: 120 }, () => face(200, 150, rng, 0.5));
    const smooth = run(new OneEuroFilter(), frames, 30);
    const raw = frameToFrameMotion(frames.slice(30));
    const out = frameToFrameMotion(smooth.slice(30));
    expect(raw).toBeGreaterThan(0.5);
    expect(out).toBeLessThan(raw * 0.3);
  });

  it('behaves the same at 30 and 60 frames per second (time-based)', () => {
    // A step of 20 px at t = 0: compare both outputs at the same times
    const filter30 = new OneEuroFilter({ minCutoff: 1, beta: 0 });
    const filter60 = new OneEuroFilter({ minCutoff: 1, beta: 0 });
    filter30.filter(face(0, 0), 0);
    filter60.filter(face(0, 0), 0);
    let y30 = 0;
    let y60 = 0;
    for (let t = 1; t <= 12; t++) {
      const time = (t * 1000) / 60;
      const v60 = filter60.filter(face(20, 0), time);
      if (t % 2 === 0) y30 = (filter30.filter(face(20, 0), time)[0] as number) + 50;
      y60 = (v60[0] as number) + 50;
    }
    // 200 ms after the step a 1 Hz low-pass is about 1 - exp(-0.2 * 2 pi) = 72 % there
    expect(y60 / 20).toBeGreaterThan(0.6);
    expect(y60 / 20).toBeLessThan(0.85);
    expect(Math.abs(y30 - y60)).toBeLessThan(0.05 * 20);
  });

  it('keeps up with a fast move, unlike a plain low-pass filter', () => {
    // 300 px/s (3 face sizes per second) for one second at 30 fps
    const frames = Array.from({ length: 30 }, (_, t) => face(200 + (300 * t) / 30, 150));
    const lagOneEuro = meanDistance(
      run(new OneEuroFilter(), frames, 30),
      frames,
      15,
    ).mean;
    const lagLowPass = meanDistance(
      run(new OneEuroFilter({ beta: 0 }), frames, 30),
      frames,
      15,
    );
    expect(lagLowPass.mean).toBeGreaterThan(40);
    expect(lagOneEuro).toBeLessThan(lagLowPass.mean / 8);
  });

  it('restarts after a long gap and repeats itself on a repeated timestamp', () => {
    const filter = new OneEuroFilter({ maxGapMs: 200 });
    filter.filter(face(0, 0), 0);
    const again = filter.filter(face(10, 0), 0);
    expect(again[0]).toBe(-50);
    const restarted = filter.filter(face(10, 0), 500);
    expect(restarted[0]).toBe(-40);
  });

  it('refuses bad settings and inputs', () => {
    expect(() => new OneEuroFilter({ minCutoff: 0 })).toThrow(ConfigError);
    expect(() => new OneEuroFilter({ beta: -1 })).toThrow(
      /beta: expected a non-negative/,
    );
    expect(() => new OneEuroFilter({}, 0)).toThrow(ConfigError);
    const filter = new OneEuroFilter();
    expect(() => filter.filter(new Float64Array(3), 0)).toThrow(InvalidInputError);
    expect(() => filter.filter(new Float64Array(2), NaN)).toThrow(/finite time/);
  });

  it('smoothingFactor is the exponential filter weight', () => {
    expect(smoothingFactor(1, 1 / 30)).toBeCloseTo(1 / (1 + 30 / (2 * Math.PI)), 12);
  });
});

describe('LandmarkSmoother', () => {
  it('follows two faces whose order changes', () => {
    const smoother = new LandmarkSmoother();
    smoother.update([face(100, 100), face(500, 100)], 0);
    const [a, b] = smoother.update([face(502, 100), face(101, 100)], 33);
    // Each output stays near its own face: a is the right face, b the left
    expect(a?.[0] as number).toBeGreaterThan(400);
    expect(a?.[0] as number).toBeLessThan(502 - 50);
    expect(b?.[0] as number).toBeLessThan(101 - 50);
  });

  it('starts a far face fresh and returns an empty array for no faces', () => {
    const smoother = new LandmarkSmoother();
    smoother.update([face(100, 100)], 0);
    const [moved] = smoother.update([face(400, 100)], 33);
    expect(moved?.[0]).toBe(350);
    expect(smoother.update([], 66)).toEqual([]);
  });

  it('smooths a still face like the filter does', () => {
    const rng = new Rng(3);
    const frames = Array.from({ length: 90 }, () => face(200, 150, rng, 0.5));
    const smooth = run(new LandmarkSmoother(), frames, 30);
    expect(frameToFrameMotion(smooth.slice(30))).toBeLessThan(
      0.3 * frameToFrameMotion(frames.slice(30)),
    );
  });

  it('refuses a face with an odd number of values', () => {
    expect(() => new LandmarkSmoother().update([new Float64Array(3)], 0)).toThrow(
      /face 0: expected interleaved/,
    );
  });
});

describe('jitter metrics', () => {
  it('measures frame-to-frame motion and distance, hand-computed', () => {
    const frames = [
      Float64Array.from([0, 0]),
      Float64Array.from([3, 4]),
      Float64Array.from([3, 4]),
    ];
    expect(frameToFrameMotion(frames)).toBeCloseTo(2.5, 12);
    expect(frameToFrameMotion([])).toBe(0);
    const truth = frames.map(() => Float64Array.from([0, 0]));
    expect(meanDistance(frames, truth)).toEqual({ mean: 10 / 3, max: 5 });
    expect(meanDistance(frames, truth, 1)).toEqual({ mean: 5, max: 5 });
    expect(() => meanDistance(frames, truth.slice(1))).toThrow(InvalidInputError);
  });
});
