/**
 * Dataset-level summaries of per-face errors (method.md section 7): failure rate,
 * cumulative error distribution (CED) and the area under it (AUC).
 */

/** Share of faces whose error is above `threshold` (strictly). 0 for no faces. */
export function failureRate(errors: ArrayLike<number>, threshold: number): number {
  if (errors.length === 0) return 0;
  let failed = 0;
  for (let i = 0; i < errors.length; i++) if ((errors[i] as number) > threshold) failed++;
  return failed / errors.length;
}

/**
 * Area under the CED curve from 0 to `threshold`, divided by `threshold` (1 for a
 * perfect method, 0 when every face fails). Computed exactly: the CED is a step
 * function, so the area is the mean of `max(0, threshold - e)` over faces.
 */
export function aucAt(errors: ArrayLike<number>, threshold: number): number {
  if (errors.length === 0) return 0;
  let area = 0;
  for (let i = 0; i < errors.length; i++) {
    area += Math.max(0, threshold - (errors[i] as number));
  }
  return area / errors.length / threshold;
}

/** A CED curve: `y[k]` is the share of faces with error at most `x[k]`. */
export interface CedCurve {
  x: number[];
  y: number[];
}

/**
 * The CED curve sampled at `steps + 1` evenly spaced errors from 0 to `maxError`.
 *
 * @param maxError right end of the curve. Default 0.2.
 * @param steps intervals. Default 200.
 */
export function cedCurve(
  errors: ArrayLike<number>,
  maxError = 0.2,
  steps = 200,
): CedCurve {
  const sorted = Float64Array.from(errors).sort();
  const x: number[] = [];
  const y: number[] = [];
  let below = 0;
  for (let k = 0; k <= steps; k++) {
    const at = (maxError * k) / steps;
    while (below < sorted.length && (sorted[below] as number) <= at) below++;
    x.push(at);
    y.push(sorted.length === 0 ? 0 : below / sorted.length);
  }
  return { x, y };
}

/**
 * The key a threshold gets in reports: two decimals when that is exact (`0.08`,
 * `0.10`), otherwise the shortest exact form.
 */
export function thresholdKey(threshold: number): string {
  const fixed = threshold.toFixed(2);
  return Number(fixed) === threshold ? fixed : String(threshold);
}
