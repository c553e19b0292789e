/**
 * Drawing a photo or video frame with its faces: box, landmarks and the lines of
 * the iBUG 68-point regions, in 1-based photo pixels as the library reports them.
 */

import scheme from '../src/scheme/ibug68.json' with { type: 'json' };

import type { Box } from '../src/geometry/box.js';

/** What the overlay draws for one face. */
export interface DrawnFace {
  box: Box;
  /** Interleaved `[x1, y1, ...]`, 1-based photo pixels. */
  points: Float64Array;
}

/** Regions of the scheme as 0-based index lists, and whether each is closed. */
const REGIONS = Object.entries(scheme.regions as Record<string, number[]>).map(
  ([name, indices]) => ({
    indices: indices.map((i) => i - scheme.indexBase),
    closed: /eye|lip|mouth/i.test(name),
  }),
);

const BOX_COLOUR = '#ffdc00';
const LINE_COLOUR = '#2ecc40';
const POINT_COLOUR = '#ff4136';

/**
 * Draws `source` on `canvas`, scaled up so that small photos stay readable, then
 * the faces. Photo pixel (1, 1) has its centre at canvas (0.5, 0.5) times the
 * scale.
 *
 * @param minSide the canvas's longer side is at least this. Default 640.
 */
export function drawFrame(
  canvas: HTMLCanvasElement,
  source: CanvasImageSource,
  width: number,
  height: number,
  faces: readonly DrawnFace[],
  minSide = 640,
): void {
  const scale = Math.max(1, minSide / Math.max(width, height));
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const g = canvas.getContext('2d');
  if (g === null) return;
  g.imageSmoothingEnabled = true;
  g.drawImage(source, 0, 0, w, h);

  // Photo to canvas coordinates; lines about 1/500 of the picture
  const at = (v: number): number => (v - 0.5) * scale;
  const unit = Math.max(1.5, Math.max(w, h) / 500);
  for (const face of faces) {
    g.lineWidth = unit;
    g.strokeStyle = BOX_COLOUR;
    const { left, right, top, bottom } = face.box;
    g.strokeRect(at(left), at(top), (right - left) * scale, (bottom - top) * scale);

    // Region outlines, then the points on top
    g.strokeStyle = LINE_COLOUR;
    for (const region of REGIONS) {
      g.beginPath();
      region.indices.forEach((i, k) => {
        const x = at(face.points[2 * i] as number);
        const y = at(face.points[2 * i + 1] as number);
        if (k === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      if (region.closed) g.closePath();
      g.stroke();
    }
    g.fillStyle = POINT_COLOUR;
    for (let k = 0; k < face.points.length; k += 2) {
      const x = at(face.points[k] as number);
      const y = at(face.points[k + 1] as number);
      g.beginPath();
      g.arc(x, y, 1.5 * unit, 0, 2 * Math.PI);
      g.fill();
    }
  }
}
