/**
 * Where to crop the faces of the next video frame. Running the detector on every
 * frame is slow, and boxes taken from the last landmarks alone drift (a model
 * that shrinks a face a little shrinks the next box too). So the detector runs
 * every `redetectMs` milliseconds or when the faces are lost; in between each
 * face keeps its detected box size and follows its landmarks' centre.
 */

import { ConfigError } from '../errors.js';
import { boxFromPoints, type Box } from '../geometry/box.js';

/** A face of the last frame: the box it was cropped from and its landmarks. */
export interface TrackedFace {
  box: Box;
  /** Interleaved `[x1, y1, ...]`, 1-based photo pixels. */
  points: Float64Array;
}

/** Box plan for one video frame. */
export class FaceTracker {
  private sizes: { w: number; h: number }[] = [];
  private centres: [number, number][] = [];
  private lastDetection = -Infinity;

  /**
   * @param redetectMs the detector runs at least this often, in milliseconds.
   *   Default 500.
   * @throws ConfigError for a negative or non-finite interval
   */
  constructor(private readonly redetectMs = 500) {
    if (!(redetectMs >= 0) || !Number.isFinite(redetectMs)) {
      throw new ConfigError(
        `redetectMs: expected a non-negative number, found ${redetectMs}`,
      );
    }
  }

  /**
   * The boxes to crop at `timeMs`, or `undefined` when the detector should run.
   *
   * @returns one box per followed face, the size of its last detected box,
   *   centred on its last landmarks
   */
  boxes(timeMs: number): Box[] | undefined {
    if (this.sizes.length === 0 || timeMs - this.lastDetection >= this.redetectMs) {
      return undefined;
    }
    return this.sizes.map(({ w, h }, i) => {
      const [cx, cy] = this.centres[i] as [number, number];
      return { left: cx - w / 2, right: cx + w / 2, top: cy - h / 2, bottom: cy + h / 2 };
    });
  }

  /**
   * Records a frame's faces.
   *
   * @param detected whether the boxes came from the detector (their sizes are
   *   then kept)
   */
  update(faces: readonly TrackedFace[], detected: boolean, timeMs: number): void {
    if (detected) {
      this.lastDetection = timeMs;
      this.sizes = faces.map(({ box }) => ({
        w: box.right - box.left,
        h: box.bottom - box.top,
      }));
    }
    if (faces.length !== this.sizes.length) this.sizes = [];
    this.centres = faces.map(({ points }) => landmarkCentre(points));
  }

  /** Forgets every face: the next frame is detected. */
  reset(): void {
    this.sizes = [];
    this.centres = [];
    this.lastDetection = -Infinity;
  }
}

/** Centre of the tight box of interleaved points. */
function landmarkCentre(points: Float64Array): [number, number] {
  const box = boxFromPoints(points);
  return [(box.left + box.right) / 2, (box.top + box.bottom) / 2];
}
