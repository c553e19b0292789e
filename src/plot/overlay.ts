/**
 * Overlays for humans: landmarks (joined by the scheme's regions), the face box and
 * the crop drawn over a photo, saved as PNG or JPEG. Drawn as SVG and composited by
 * sharp, so lines stay sharp on small photos scaled up.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import sharp from 'sharp';

import { ConfigError } from '../errors.js';
import type { Box } from '../geometry/box.js';
import { cropCorners, type CropTransform } from '../geometry/crop.js';
import { encodeByExtension, readImage, type GreyImage } from '../image/image.js';
import type { Scheme } from '../scheme/scheme.js';
import { escapeXml, PALETTE } from './line-chart.js';

/** One set of points to draw. */
export interface OverlayLayer {
  /** Interleaved `[x1, y1, ...]`, 1-based photo pixels. */
  points: Float64Array;
  /** CSS colour. Default: green for the first layer, red for the second, then the palette. */
  colour?: string;
  /** Legend text. Default none. */
  name?: string;
}

/** What `drawOverlay` draws. */
export interface OverlayOptions {
  /** Point sets, e.g. ground truth then prediction. */
  layers: OverlayLayer[];
  /**
   * The scheme, to join points along its regions (regions named like eyes and lips
   * are closed). Default: points only.
   */
  scheme?: Scheme;
  /** A face box to outline (1-based pixels). Default none. */
  box?: Box;
  /** A crop to outline (its edge pixel centres). Default none. */
  crop?: CropTransform;
  /** Write each point's 1-based number next to it. Default false. */
  numbers?: boolean;
  /**
   * Output scale factor. Default: enough for the longer side to reach 512 pixels
   * (never below 1).
   */
  scale?: number;
}

const LAYER_COLOURS = ['#2ecc40', '#ff4136'];

/**
 * Draws landmarks (and optionally a box and a crop) over a photo and writes a
 * `.png`, `.jpg` or `.jpeg` file.
 *
 * @param image a photo path, its encoded bytes, or a grey image (0..255)
 * @throws DataFormatError when the photo cannot be read
 * @throws InvalidInputError for an output name of another type
 */
export async function drawOverlay(
  image: string | Uint8Array | GreyImage,
  options: OverlayOptions,
  outPath: string,
): Promise<void> {
  // Decode to raw pixels so every input type takes the same path
  let raw: { data: Uint8Array; width: number; height: number; channels: 1 | 2 | 3 | 4 };
  if (typeof image === 'string' || image instanceof Uint8Array)
    raw = await readImage(image);
  else
    raw = { ...greyBytes(image), width: image.width, height: image.height, channels: 1 };
  const { width, height } = raw;
  const scale = options.scale ?? Math.max(1, 512 / Math.max(width, height));
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new ConfigError(`overlay scale: expected a positive number, found ${scale}`);
  }

  // Scale the photo up, then lay the SVG over it
  const outW = Math.round(width * scale);
  const outH = Math.round(height * scale);
  const svg = overlaySvg(outW, outH, scale, options);
  const base = sharp(raw.data, { raw: { width, height, channels: raw.channels } })
    .resize(outW, outH, { kernel: scale >= 4 ? 'nearest' : 'lanczos3' })
    .toColourspace('srgb');
  const composed = sharp(await base.png().toBuffer()).composite([
    { input: Buffer.from(svg), top: 0, left: 0 },
  ]);
  await mkdir(dirname(outPath), { recursive: true });
  await encodeByExtension(composed, outPath).toFile(outPath);
}

/**
 * The overlay as an SVG document of `width` x `height` pixels, for a photo shown at
 * `scale` (1-based photo pixel x lies at SVG x = (x - 0.5) * scale).
 */
export function overlaySvg(
  width: number,
  height: number,
  scale: number,
  options: OverlayOptions,
): string {
  const sx = (x: number): string => ((x - 0.5) * scale).toFixed(2);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
  ];
  const stroke = Math.max(1, Math.min(width, height) / 300);

  // Crop outline (dashed), then the box
  if (options.crop !== undefined) {
    const c = cropCorners(options.crop);
    const pts = [0, 1, 2, 3].map(
      (k) => `${sx(c[2 * k] as number)},${sx(c[2 * k + 1] as number)}`,
    );
    parts.push(
      `<polygon points="${pts.join(' ')}" fill="none" stroke="#00bfff" ` +
        `stroke-width="${stroke}" stroke-dasharray="${4 * stroke} ${3 * stroke}"/>`,
    );
  }
  if (options.box !== undefined) {
    const b = options.box;
    parts.push(
      `<rect x="${sx(b.left)}" y="${sx(b.top)}" width="${((b.right - b.left) * scale).toFixed(2)}" ` +
        `height="${((b.bottom - b.top) * scale).toFixed(2)}" fill="none" stroke="#ffdc00" ` +
        `stroke-width="${stroke}"/>`,
    );
  }

  // Each layer: region lines, then dots, then optional numbers
  const radius = Math.max(1.5, Math.min(width, height) / 160);
  options.layers.forEach((layer, k) => {
    const colour = layer.colour ?? LAYER_COLOURS[k] ?? PALETTE[k % PALETTE.length];
    const p = layer.points;
    for (const [name, indices] of Object.entries(options.scheme?.regions ?? {})) {
      if (indices.length < 2) continue;
      const closed = /eye|lip|mouth/i.test(name);
      const coords = indices.map(
        (i) => `${sx(p[2 * i] as number)},${sx(p[2 * i + 1] as number)}`,
      );
      const tag = closed ? 'polygon' : 'polyline';
      parts.push(
        `<${tag} points="${coords.join(' ')}" fill="none" stroke="${colour}" ` +
          `stroke-opacity="0.7" stroke-width="${stroke}"/>`,
      );
    }
    for (let i = 0; i + 1 < p.length; i += 2) {
      parts.push(
        `<circle cx="${sx(p[i] as number)}" cy="${sx(p[i + 1] as number)}" r="${radius.toFixed(2)}" ` +
          `fill="${colour}" stroke="black" stroke-width="${(stroke / 2).toFixed(2)}"/>`,
      );
      if (options.numbers === true) {
        parts.push(
          `<text x="${(Number(sx(p[i] as number)) + radius + 1).toFixed(1)}" ` +
            `y="${sx(p[i + 1] as number)}" font-family="DejaVu Sans, sans-serif" ` +
            `font-size="${(radius * 2.5).toFixed(1)}" fill="${colour}">${i / 2 + 1}</text>`,
        );
      }
    }
  });

  // Legend for named layers
  options.layers.forEach((layer, k) => {
    if (layer.name === undefined) return;
    const colour = layer.colour ?? LAYER_COLOURS[k] ?? PALETTE[k % PALETTE.length];
    const y = 18 + 18 * k;
    parts.push(
      `<rect x="6" y="${y - 12}" width="${12 + 8 * layer.name.length}" height="16" ` +
        `fill="black" fill-opacity="0.5"/>`,
      `<circle cx="14" cy="${y - 4}" r="4" fill="${colour}"/>`,
      `<text x="22" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="12" ` +
        `fill="white">${escapeXml(layer.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Draws crop-space points (0-based crop pixels) over a crop's network inputs
 * (`pixel / 128 - 1`), e.g. to look at augmented training samples.
 *
 * @param offset index of the crop's first input value. Default 0.
 * @param scale output pixels per crop pixel. Default 8.
 */
export async function drawCropOverlay(
  inputs: Float32Array,
  size: number,
  points: Float64Array,
  outPath: string,
  options: { scheme?: Scheme; offset?: number; scale?: number } = {},
): Promise<void> {
  const offset = options.offset ?? 0;
  const data = new Uint8Array(size * size);
  for (let i = 0; i < data.length; i++) {
    const v = ((inputs[offset + i] as number) + 1) * 128;
    data[i] = Math.min(255, Math.max(0, Math.round(v)));
  }
  const onePoints = points.map((v) => v + 1);
  await drawOverlay(
    { width: size, height: size, data },
    {
      layers: [{ points: onePoints }],
      scale: options.scale ?? 8,
      ...(options.scheme !== undefined ? { scheme: options.scheme } : {}),
    },
    outPath,
  );
}

function greyBytes(image: GreyImage): { data: Uint8Array } {
  if (image.data instanceof Uint8Array) return { data: image.data };
  return {
    data: Uint8Array.from(image.data, (v) => Math.min(255, Math.max(0, Math.round(v)))),
  };
}
