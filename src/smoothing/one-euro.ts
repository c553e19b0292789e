/**
 * Temporal smoothing of landmarks on video: the One-Euro filter (Casiez, Roussel
 * and Vogel, CHI 2012), a low-pass filter whose cut-off rises with speed, so a
 * still face stops shaking while a fast move is followed without lag.
 *
 * Every step is computed from the frame timestamps, never from a frame count, so
 * the same settings behave the same at 15, 30 or 60 frames per second.
 */

import { ConfigError, InvalidInputError } from '../errors.js';

/** Settings of `OneEuroFilter` and `LandmarkSmoother`. */
export interface OneEuroOptions {
  /**
   * Cut-off frequency in Hz at rest: lower removes more jitter from a still face
   * but lags more on slow moves. Default 0.5.
   */
  minCutoff?: number;
  /**
   * How much the cut-off rises with speed, in Hz per (scale unit per second).
   * With the `LandmarkSmoother` the scale unit is the face size, so a face
   * moving one face size per second gets `minCutoff + beta` Hz. Default 15.
   */
  beta?: number;
  /** Cut-off frequency in Hz of the speed estimate. Default 1. */
  derivativeCutoff?: number;
  /**
   * A gap between two frames longer than this many milliseconds restarts the
   * filter from the raw values (a paused video, a lost face). Default 500.
   */
  maxGapMs?: number;
}

/** Settings with every default filled in. */
type Settings = Required<OneEuroOptions>;

/** The default settings, tuned by `npm run bench -- jitter`. */
export const ONE_EURO_DEFAULTS: Readonly<Settings> = Object.freeze({
  minCutoff: 0.5,
  beta: 15,
  derivativeCutoff: 1,
  maxGapMs: 500,
});

/**
 * A One-Euro filter over a vector of values split into groups of `dimension`
 * (2 for interleaved x, y points). Each value's rate of change is low-passed; a
 * group's speed is the length of its smoothed velocity vector, and its values
 * share the cut-off that speed gives, so a point's x and y are smoothed alike
 * whatever the direction of its motion.
 */
export class OneEuroFilter {
  private readonly settings: Settings;
  private readonly dimension: number;
  private value: Float64Array | undefined;
  private velocity: Float64Array | undefined;
  private lastTime = 0;

  /**
   * @param options cut-offs, speed gain and restart gap; defaults in `ONE_EURO_DEFAULTS`
   * @param dimension values per group sharing one speed. Default 2.
   * @throws ConfigError for a setting that is negative, zero where it must not
   *   be, or not finite
   */
  constructor(options: OneEuroOptions = {}, dimension = 2) {
    this.settings = checkSettings(options);
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new ConfigError(
        `one-euro dimension: expected an integer >= 1, found ${dimension}`,
      );
    }
    this.dimension = dimension;
  }

  /** Forgets the past: the next call returns its input unchanged. */
  reset(): void {
    this.value = undefined;
    this.velocity = undefined;
  }

  /**
   * Filters one frame.
   *
   * @param values the raw values of this frame (not changed)
   * @param timeMs the frame's timestamp in milliseconds (e.g. `performance.now()`
   *   or a video frame's media time); a timestamp not after the last one repeats
   *   the last output
   * @param scale the unit of speed, e.g. the face size in pixels. Default 1.
   * @returns the smoothed values, a new array
   * @throws InvalidInputError when the length is not a multiple of the dimension
   *   or the timestamp or scale is not finite
   */
  filter(values: Float64Array, timeMs: number, scale = 1): Float64Array {
    const dim = this.dimension;
    if (values.length % dim !== 0) {
      const found = `found ${values.length} values`;
      throw new InvalidInputError(`one-euro: expected groups of ${dim} values, ${found}`);
    }
    if (!Number.isFinite(timeMs) || !(scale > 0) || !Number.isFinite(scale)) {
      const found = `found time ${timeMs} ms and scale ${scale}`;
      throw new InvalidInputError(
        `one-euro: expected a finite time and a positive scale, ${found}`,
      );
    }

    // First frame, a new length or a long gap: start over from the raw values
    const dt = (timeMs - this.lastTime) / 1000;
    const prev = this.value;
    const fresh =
      prev === undefined ||
      prev.length !== values.length ||
      dt * 1000 > this.settings.maxGapMs;
    if (fresh) {
      this.value = Float64Array.from(values);
      this.velocity = new Float64Array(values.length);
      this.lastTime = timeMs;
      return Float64Array.from(values);
    }
    if (dt <= 0) return Float64Array.from(prev);
    this.lastTime = timeMs;

    // Per group: smoothed velocity, then a cut-off that rises with its length
    const velocity = this.velocity as Float64Array;
    const { minCutoff, beta, derivativeCutoff } = this.settings;
    const velocityAlpha = smoothingFactor(derivativeCutoff, dt);
    const out = new Float64Array(values.length);
    for (let g = 0; g < values.length; g += dim) {
      let squared = 0;
      for (let k = g; k < g + dim; k++) {
        const rate = ((values[k] as number) - (prev[k] as number)) / dt;
        const v =
          (velocity[k] as number) + velocityAlpha * (rate - (velocity[k] as number));
        velocity[k] = v;
        squared += v * v;
      }

      const cutoff = minCutoff + (beta * Math.sqrt(squared)) / scale;
      const alpha = smoothingFactor(cutoff, dt);
      for (let k = g; k < g + dim; k++) {
        const p = prev[k] as number;
        out[k] = p + alpha * ((values[k] as number) - p);
      }
    }
    this.value = out;
    return Float64Array.from(out);
  }
}

/**
 * The weight of a new sample in an exponential low-pass filter of cut-off
 * `cutoff` Hz sampled `dt` seconds after the last one: `1 / (1 + tau / dt)`
 * with `tau = 1 / (2 pi cutoff)`.
 */
export function smoothingFactor(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

/** Fills in defaults and checks ranges. */
function checkSettings(options: OneEuroOptions): Settings {
  const settings: Settings = { ...ONE_EURO_DEFAULTS };
  for (const key of Object.keys(ONE_EURO_DEFAULTS) as (keyof Settings)[]) {
    const value = options[key];
    if (value !== undefined) settings[key] = value;
  }

  // Cut-offs must be positive; beta and the gap only non-negative
  const positive: (keyof Settings)[] = ['minCutoff', 'derivativeCutoff'];
  for (const key of Object.keys(settings) as (keyof Settings)[]) {
    const value = settings[key];
    const ok =
      Number.isFinite(value) && (positive.includes(key) ? value > 0 : value >= 0);
    if (!ok) {
      const expected = positive.includes(key) ? 'a positive' : 'a non-negative';
      throw new ConfigError(
        `one-euro ${key}: expected ${expected} number, found ${value}`,
      );
    }
  }
  return settings;
}
