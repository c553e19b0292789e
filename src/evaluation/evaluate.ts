/**
 * Evaluation of a set of predictions against ground truth: NME per normaliser, per
 * face and per landmark, failure rate, AUC and CED (method.md section 7). The report
 * is plain JSON data, with the normaliser named next to every number.
 */

import { InvalidInputError } from '../errors.js';
import type { Box } from '../geometry/box.js';
import {
  availableNormalisers,
  type NormaliserName,
  type Scheme,
} from '../scheme/scheme.js';
import { aucAt, cedCurve, failureRate, thresholdKey, type CedCurve } from './metrics.js';
import { normaliserDistance, pointErrors } from './nme.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Normalisers to report. Default: every one the scheme supports. */
  normalisers?: NormaliserName[];
  /**
   * Face boxes for `box-diagonal`, one per face. Default: the tight box of each
   * ground truth (the 300-W protocol).
   */
  boxes?: Box[];
  /** Face names for `perFace` and error messages. Default `face-1`, `face-2`, ... */
  names?: string[];
  /** Thresholds for failure rate and AUC. Default `[0.08, 0.10]`. */
  thresholds?: number[];
  /** Right end of the CED curves. Default 0.2. */
  cedMax?: number;
  /** Intervals of the CED curves. Default 200. */
  cedSteps?: number;
}

/** NME of one face under every reported normaliser. */
export interface FaceResult {
  name: string;
  nme: Partial<Record<NormaliserName, number>>;
}

/**
 * The result of `evaluate`: JSON-serialisable, every error a fraction of the named
 * normaliser (0.0851 is 8.51 %).
 */
export interface EvaluationReport {
  /** Name of the scheme the points follow. */
  scheme: string;
  /** Number of faces evaluated. */
  faces: number;
  /** The normalisers reported, in order. */
  normalisers: NormaliserName[];
  /** Where the `box-diagonal` boxes came from. */
  boxSource: 'ground-truth tight box' | 'given boxes';
  /** Thresholds of `failureRate` and `auc`; their keys come from `thresholdKey`. */
  thresholds: number[];
  /** Mean over faces of the per-face NME, by normaliser. */
  nme: Partial<Record<NormaliserName, number>>;
  /** Share of faces with NME above each threshold, by normaliser then threshold key. */
  failureRate: Partial<Record<NormaliserName, Record<string, number>>>;
  /** Area under the CED up to each threshold, divided by it, by normaliser. */
  auc: Partial<Record<NormaliserName, Record<string, number>>>;
  /** Mean normalised error of each landmark (n values), by normaliser. */
  perLandmark: Partial<Record<NormaliserName, number[]>>;
  /** Every face's NME, in input order. */
  perFace: FaceResult[];
  /** CED curves, by normaliser. */
  ced: Partial<Record<NormaliserName, CedCurve>>;
}

/**
 * Evaluates predictions against ground truth, face by face (same order, same
 * scheme, both in the same units, usually 1-based photo pixels).
 *
 * @throws InvalidInputError when the lists differ in length or are empty, a face has
 *   the wrong number of points, or a normaliser is zero (the face is named)
 * @throws ConfigError when the scheme lacks a requested normaliser
 */
export function evaluate(
  predictions: Float64Array[],
  truths: Float64Array[],
  scheme: Scheme,
  options: EvaluateOptions = {},
): EvaluationReport {
  const n = truths.length;
  if (predictions.length !== n || n === 0) {
    const found = `${predictions.length} predictions and ${n} ground truths`;
    throw new InvalidInputError(
      `evaluate: expected as many predictions as faces (> 0), ${found}`,
    );
  }
  if (options.boxes !== undefined && options.boxes.length !== n) {
    const found = `${options.boxes.length} boxes for ${n} faces`;
    throw new InvalidInputError(`evaluate: expected one box per face, found ${found}`);
  }
  const normalisers = options.normalisers ?? availableNormalisers(scheme);
  const thresholds = options.thresholds ?? [0.08, 0.1];
  const names = options.names ?? truths.map((_, i) => `face-${i + 1}`);
  const numPoints = scheme.numPoints;

  // Per face: point errors once, then each normaliser
  const faceNme = new Map(normalisers.map((m) => [m, new Float64Array(n)]));
  const landmarkSum = new Map(normalisers.map((m) => [m, new Float64Array(numPoints)]));
  const perFace: FaceResult[] = [];
  for (let f = 0; f < n; f++) {
    const name = names[f] ?? `face-${f + 1}`;
    const truth = truths[f] as Float64Array;
    const pred = predictions[f] as Float64Array;
    if (truth.length !== 2 * numPoints || pred.length !== 2 * numPoints) {
      const found = `${pred.length / 2} predicted and ${truth.length / 2} true points`;
      throw new InvalidInputError(
        `${name}: expected ${numPoints} points each, found ${found}`,
      );
    }
    const errors = pointErrors(pred, truth);
    let mean = 0;
    for (const e of errors) mean += e;
    mean /= numPoints;

    const result: FaceResult = { name, nme: {} };
    for (const m of normalisers) {
      let d: number;
      try {
        d = normaliserDistance(truth, scheme, m, options.boxes?.[f]);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        throw new InvalidInputError(`${name}: ${error.message}`, { cause: error });
      }
      (faceNme.get(m) as Float64Array)[f] = mean / d;
      result.nme[m] = mean / d;
      const sums = landmarkSum.get(m) as Float64Array;
      for (let j = 0; j < numPoints; j++)
        sums[j] = (sums[j] as number) + (errors[j] as number) / d;
    }
    perFace.push(result);
  }

  // Dataset summaries by normaliser
  const report: EvaluationReport = {
    scheme: scheme.name,
    faces: n,
    normalisers: [...normalisers],
    boxSource: options.boxes === undefined ? 'ground-truth tight box' : 'given boxes',
    thresholds: [...thresholds],
    nme: {},
    failureRate: {},
    auc: {},
    perLandmark: {},
    perFace,
    ced: {},
  };
  for (const m of normalisers) {
    const errors = faceNme.get(m) as Float64Array;
    report.nme[m] = errors.reduce((s, e) => s + e, 0) / n;
    report.failureRate[m] = Object.fromEntries(
      thresholds.map((t) => [thresholdKey(t), failureRate(errors, t)]),
    );
    report.auc[m] = Object.fromEntries(
      thresholds.map((t) => [thresholdKey(t), aucAt(errors, t)]),
    );
    report.perLandmark[m] = Array.from(landmarkSum.get(m) as Float64Array, (s) => s / n);
    report.ced[m] = cedCurve(errors, options.cedMax ?? 0.2, options.cedSteps ?? 200);
  }
  return report;
}

/**
 * A plain-text table of a report for terminals: one row per normaliser with NME,
 * failure rates and AUCs in percent.
 */
export function formatReport(report: EvaluationReport): string {
  const keys = report.thresholds.map(thresholdKey);
  const header = [
    'normaliser',
    'NME',
    ...keys.map((k) => `FR@${k}`),
    ...keys.map((k) => `AUC@${k}`),
  ];
  const pct = (v: number | undefined): string =>
    v === undefined ? '-' : `${(v * 100).toFixed(2)} %`;
  const rows = report.normalisers.map((m) => [
    m,
    pct(report.nme[m]),
    ...keys.map((k) => pct(report.failureRate[m]?.[k])),
    ...keys.map((k) => pct(report.auc[m]?.[k])),
  ]);

  // Column widths from the longest cell
  const widths = header.map((h, c) =>
    Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) =>
        c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0),
      )
      .join('  ');
  const title = `${report.faces} faces, scheme ${report.scheme}, box-diagonal from ${report.boxSource}`;
  return [title, line(header), ...rows.map(line)].join('\n');
}
