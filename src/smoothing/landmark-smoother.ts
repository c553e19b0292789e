/**
 * Smoothing the landmarks of every face in a video: each face of a frame is
 * matched to the nearest face of the previous frame and keeps its own
 * One-Euro filter, whose speed is measured in face sizes per second.
 */

import { InvalidInputError } from '../errors.js';
import { OneEuroFilter, type OneEuroOptions } from './one-euro.js';

/** Settings of `LandmarkSmoother`. */
export interface LandmarkSmootherOptions extends OneEuroOptions {
  /**
   * A face continues a face of the previous frame when their centroids are less
   * than this many face sizes apart. Default 0.5.
   */
  matchDistance?: number;
}

/** One followed face. */
interface Track {
  filter: OneEuroFilter;
  centre: [number, number];
  size: number;
}

/**
 * Follows faces from frame to frame and smooths each one's landmarks.
 *
 * @example
 * const smoother = new LandmarkSmoother();
 * // per video frame, with its timestamp in milliseconds:
 * const smooth = smoother.update(faces.map((f) => f.points), frameTimeMs);
 */
export class LandmarkSmoother {
  private readonly options: LandmarkSmootherOptions;
  private readonly matchDistance: number;
  private tracks: Track[] = [];

  /**
   * @param options One-Euro settings (see `ONE_EURO_DEFAULTS`) and the match
   *   distance
   * @throws ConfigError for a setting out of range
   */
  constructor(options: LandmarkSmootherOptions = {}) {
    this.options = options;
    this.matchDistance = options.matchDistance ?? 0.5;
    // Validate the One-Euro settings once, now rather than at the first face
    new OneEuroFilter(options);
  }

  /** Forgets every face. */
  reset(): void {
    this.tracks = [];
  }

  /**
   * Smooths one frame.
   *
   * @param faces interleaved `[x1, y1, ...]` points of each face of the frame
   * @param timeMs the frame's timestamp in milliseconds
   * @returns the smoothed points of each face, in the order given; an empty
   *   array for a frame without faces
   * @throws InvalidInputError for a face with no points or an odd count
   */
  update(faces: readonly Float64Array[], timeMs: number): Float64Array[] {
    const shapes = faces.map((points, i) => describe(points, i));

    // Greedy matching, closest pairs first, within the match distance
    const pairs: [number, number, number][] = [];
    shapes.forEach((shape, i) => {
      this.tracks.forEach((track, j) => {
        const d = Math.hypot(
          shape.centre[0] - track.centre[0],
          shape.centre[1] - track.centre[1],
        );
        if (d < this.matchDistance * Math.max(shape.size, track.size))
          pairs.push([d, i, j]);
      });
    });
    pairs.sort((a, b) => a[0] - b[0]);
    const trackOf = new Array<Track | undefined>(faces.length);
    const taken = new Set<number>();
    for (const [, i, j] of pairs) {
      if (trackOf[i] !== undefined || taken.has(j)) continue;
      trackOf[i] = this.tracks[j];
      taken.add(j);
    }

    // Filter each face; unmatched faces start a track, unmatched tracks end
    const next: Track[] = [];
    const out = faces.map((points, i) => {
      const shape = shapes[i] as Shape;
      const track = trackOf[i] ?? {
        filter: new OneEuroFilter(this.options),
        centre: shape.centre,
        size: shape.size,
      };
      const smooth = track.filter.filter(points, timeMs, shape.size);
      track.centre = shape.centre;
      track.size = shape.size;
      next.push(track);
      return smooth;
    });
    this.tracks = next;
    return out;
  }
}

/** Centroid and size (root of the bounding box area, at least 1) of a face. */
interface Shape {
  centre: [number, number];
  size: number;
}

function describe(points: Float64Array, index: number): Shape {
  if (points.length === 0 || points.length % 2 !== 0) {
    throw new InvalidInputError(
      `LandmarkSmoother: face ${index}: expected interleaved x, y points, found ${points.length} values`,
    );
  }

  // Centroid and bounding box in one pass
  let sx = 0;
  let sy = 0;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < points.length; k += 2) {
    const x = points[k] as number;
    const y = points[k + 1] as number;
    sx += x;
    sy += y;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  if (!Number.isFinite(sx + sy)) {
    throw new InvalidInputError(
      `LandmarkSmoother: face ${index}: expected finite coordinates`,
    );
  }
  const n = points.length / 2;
  const size = Math.max(1, Math.sqrt((maxX - minX) * (maxY - minY)));
  return { centre: [sx / n, sy / n], size };
}
