/**
 * Measures of landmark stability on video: jitter (how much the points move from
 * frame to frame when the face does not) and lag (how far the points trail a
 * face that does move).
 */

import { InvalidInputError } from '../errors.js';

/**
 * Mean frame-to-frame motion: the distance each point moves between consecutive
 * frames, averaged over points and frame pairs. On a still face this is the
 * jitter a viewer sees, in the points' units (pixels).
 *
 * @param frames interleaved `[x1, y1, ...]` points of one face, frame by frame
 * @returns 0 for fewer than two frames
 * @throws InvalidInputError when the frames differ in length
 */
export function frameToFrameMotion(frames: readonly Float64Array[]): number {
  let total = 0;
  let count = 0;
  for (let t = 1; t < frames.length; t++) {
    const a = frames[t - 1] as Float64Array;
    const b = frames[t] as Float64Array;
    checkSameLength(a, b, t);
    for (let k = 0; k < a.length; k += 2) {
      total += Math.hypot(
        (b[k] as number) - (a[k] as number),
        (b[k + 1] as number) - (a[k + 1] as number),
      );
      count++;
    }
  }
  return count === 0 ? 0 : total / count;
}

/**
 * Mean and largest point-to-point distance between two series of frames, e.g.
 * smoothed points against the true motion: the lag on a moving face.
 *
 * @param from the first frame compared (skips the start-up). Default 0.
 * @returns `{ mean: 0, max: 0 }` when no frame is compared
 * @throws InvalidInputError when the series or their frames differ in length
 */
export function meanDistance(
  estimate: readonly Float64Array[],
  truth: readonly Float64Array[],
  from = 0,
): { mean: number; max: number } {
  if (estimate.length !== truth.length) {
    const found = `${estimate.length} and ${truth.length}`;
    throw new InvalidInputError(
      `meanDistance: expected as many frames in both, found ${found}`,
    );
  }

  // Per frame: mean over the points; then mean and max over frames
  let total = 0;
  let max = 0;
  let frames = 0;
  for (let t = Math.max(0, from); t < estimate.length; t++) {
    const a = estimate[t] as Float64Array;
    const b = truth[t] as Float64Array;
    checkSameLength(a, b, t);
    let sum = 0;
    for (let k = 0; k < a.length; k += 2) {
      sum += Math.hypot(
        (b[k] as number) - (a[k] as number),
        (b[k + 1] as number) - (a[k + 1] as number),
      );
    }
    const d = a.length === 0 ? 0 : sum / (a.length / 2);
    total += d;
    max = Math.max(max, d);
    frames++;
  }
  return { mean: frames === 0 ? 0 : total / frames, max };
}

function checkSameLength(a: Float64Array, b: Float64Array, t: number): void {
  if (a.length !== b.length || a.length % 2 !== 0) {
    const found = `${a.length} and ${b.length} values`;
    throw new InvalidInputError(
      `frame ${t}: expected the same even number of values, found ${found}`,
    );
  }
}
