/**
 * Jitter benchmark (issue: the web page; video smoothing): how much the landmarks
 * of a still face shake from frame to frame, raw and smoothed, and how far the
 * smoothed landmarks trail a fast move.
 *
 * Frames are simulated from one still photo of the 300-W test set: each frame
 * gets its own sensor noise (Gaussian, in grey levels) and its own sub-pixel box
 * jitter (what a detector or a box from the last frame's landmarks gives), and
 * the real model predicts every frame. The fast move adds a known translation to
 * those predictions: the crop follows the face, so a moved face gives the same
 * prediction moved.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Rng } from '../augment/rng.js';
import { parsePts } from '../data/pts.js';
import type { LandmarkPredictor } from '../evaluation/predict.js';
import { boxFromPoints, type Box } from '../geometry/box.js';
import { readGrey, type GreyImage } from '../image/image.js';
import { loadAligner } from '../inference/node.js';
import { frameToFrameMotion, meanDistance } from '../smoothing/metrics.js';
import { LandmarkSmoother, type OneEuroOptions } from '../smoothing/index.js';
import { fmt, printTable } from './stats.js';

/** Settings of one jitter run. */
export interface JitterSettings {
  /** Photo (with its `.pts` file beside it). */
  photo: string;
  /** Frames simulated at the still face. Default 90. */
  frames?: number;
  /** Sensor noise per frame, standard deviation in grey levels. Default 2. */
  noise?: number;
  /** Box jitter per frame, standard deviation of each edge in pixels. Default 0.5. */
  boxJitter?: number;
  /** Speed of the fast move in face sizes per second. Default 2. */
  moveSpeed?: number;
  /** Seed of the noise. Default 1. */
  seed?: number;
}

/** The figures of one frame rate. */
export interface JitterFigures {
  fps: number;
  rawJitter: number;
  smoothJitter: number;
  lowPassJitter: number;
  rawMoveError: number;
  smoothMoveError: number;
  lowPassMoveError: number;
  smoothLagMs: number;
  lowPassLagMs: number;
}

/**
 * Predicts the still frames once, then smooths them at several frame rates.
 *
 * @param predictor the model (photo pixels in, 1-based photo points out)
 * @param rates frame rates whose timestamps the smoother gets. Default 15, 30, 60.
 */
export async function measureJitter(
  predictor: LandmarkPredictor,
  settings: JitterSettings,
  rates: readonly number[] = [15, 30, 60],
): Promise<JitterFigures[]> {
  const count = settings.frames ?? 90;
  const noise = settings.noise ?? 2;
  const boxJitter = settings.boxJitter ?? 0.5;
  const rng = new Rng(settings.seed ?? 1);
  const photo = await readGrey(settings.photo);
  const pts = await readFile(settings.photo.replace(/\.[^.]+$/, '.pts'), 'utf8');
  const box = boxFromPoints(parsePts(pts, settings.photo));

  // The still face: every frame its own noise and box jitter, through the model
  const raw: Float64Array[] = [];
  for (let t = 0; t < count; t++) {
    const frame = noisy(photo, noise, rng);
    const jittered: Box = {
      left: box.left + boxJitter * rng.normal(),
      right: box.right + boxJitter * rng.normal(),
      top: box.top + boxJitter * rng.normal(),
      bottom: box.bottom + boxJitter * rng.normal(),
    };
    const [points] = await predictor.predict(frame, [jittered]);
    raw.push(points as Float64Array);
  }

  // Per frame rate: still jitter, then a fast move of the same predictions
  const size = Math.sqrt((box.right - box.left) * (box.bottom - box.top));
  const mean = meanOf(raw);
  return rates.map((fps) => {
    const still = (options: OneEuroOptions): Float64Array[] => smooth(raw, fps, options);
    const speed = (settings.moveSpeed ?? 2) * size;
    const move = moving(raw, fps, speed);
    const truth = moving(
      raw.map(() => mean),
      fps,
      speed,
    );
    const during = Math.floor(count / 3);
    const moveError = (series: Float64Array[]): number =>
      meanDistance(series, truth, during).mean;
    const smoothMove = smooth(move, fps, {});
    const lowPassMove = smooth(move, fps, { beta: 0 });
    const settle = Math.floor(count / 3);
    return {
      fps,
      rawJitter: frameToFrameMotion(raw.slice(settle)),
      smoothJitter: frameToFrameMotion(still({}).slice(settle)),
      lowPassJitter: frameToFrameMotion(still({ beta: 0 }).slice(settle)),
      rawMoveError: moveError(move),
      smoothMoveError: moveError(smoothMove),
      lowPassMoveError: moveError(lowPassMove),
      smoothLagMs: (lagAlong(smoothMove, truth, during) / speed) * 1000,
      lowPassLagMs: (lagAlong(lowPassMove, truth, during) / speed) * 1000,
    };
  });
}

/** A copy of a grey photo with Gaussian noise of `sigma` grey levels. */
function noisy(image: GreyImage, sigma: number, rng: Rng): GreyImage {
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = (image.data[i] as number) + sigma * rng.normal();
    data[i] = Math.min(255, Math.max(0, v));
  }
  return { width: image.width, height: image.height, data };
}

/** The smoothed series at `fps`, timestamps in milliseconds. */
function smooth(
  frames: Float64Array[],
  fps: number,
  options: OneEuroOptions,
): Float64Array[] {
  const smoother = new LandmarkSmoother(options);
  return frames.map((f, t) => smoother.update([f], (t * 1000) / fps)[0] as Float64Array);
}

/**
 * The frames moved: still for the first third, then moving right at `speed`
 * pixels per second until the end.
 */
function moving(frames: Float64Array[], fps: number, speed: number): Float64Array[] {
  const start = Math.floor(frames.length / 3);
  return frames.map((f, t) => {
    const dx = (Math.max(0, t - start) / fps) * speed;
    return f.map((v, k) => (k % 2 === 0 ? v + dx : v));
  });
}

/** Mean x shortfall behind the truth from frame `from` on, in pixels. */
function lagAlong(series: Float64Array[], truth: Float64Array[], from: number): number {
  let total = 0;
  let n = 0;
  for (let t = from; t < series.length; t++) {
    const s = series[t] as Float64Array;
    const g = truth[t] as Float64Array;
    for (let k = 0; k < s.length; k += 2) {
      total += (g[k] as number) - (s[k] as number);
      n++;
    }
  }
  return n === 0 ? 0 : total / n;
}

/** The per-value mean of several frames. */
function meanOf(frames: Float64Array[]): Float64Array {
  const out = new Float64Array((frames[0] as Float64Array).length);
  for (const f of frames) {
    for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) + (f[k] as number);
  }
  return out.map((v) => v / frames.length);
}

/**
 * `npm run bench -- jitter`: prints the table for the shipped model.
 *
 * @param dataDir the 300-W test folder
 */
export async function runJitterBench(dataDir: string): Promise<void> {
  const photo = join(dataDir, 'lfpw-test_image_0001.jpg');
  const aligner = await loadAligner(undefined, { detector: false, threads: 1 });
  const predictor = {
    predict: (image: GreyImage, boxes: Box[]) => aligner.alignGrey(image, boxes),
  };
  const figures = await measureJitter(predictor, { photo });
  await aligner.dispose();

  console.log(
    `\nJitter (${photo}: sensor noise 2 grey levels, box jitter 0.5 px per edge)`,
  );
  console.log('Still face: mean frame-to-frame motion per point, px. Fast move: 2 face');
  console.log(
    'sizes/s; error = mean distance to the true points; lag = shortfall / speed.\n',
  );
  printTable(
    [
      'fps',
      'raw px',
      'one-euro px',
      'low-pass px',
      'move raw px',
      'move one-euro px',
      'move low-pass px',
      'lag one-euro ms',
      'lag low-pass ms',
    ],
    figures.map((f) => [
      String(f.fps),
      fmt(f.rawJitter, 3),
      fmt(f.smoothJitter, 3),
      fmt(f.lowPassJitter, 3),
      fmt(f.rawMoveError, 2),
      fmt(f.smoothMoveError, 2),
      fmt(f.lowPassMoveError, 2),
      fmt(f.smoothLagMs, 0),
      fmt(f.lowPassLagMs, 0),
    ]),
  );
}
