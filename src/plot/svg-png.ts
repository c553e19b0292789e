/**
 * Rasterising SVG pictures to PNG with sharp (librsvg).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import sharp from 'sharp';

import { InvalidInputError } from '../errors.js';

/**
 * Renders an SVG document to a PNG file, creating the folder if needed.
 *
 * @param density dots per inch for rendering; 72 keeps the SVG's pixel size, 144
 *   doubles it. Default 144.
 * @throws InvalidInputError when librsvg cannot parse the SVG
 */
export async function svgToPng(svg: string, path: string, density = 144): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    await sharp(Buffer.from(svg), { density }).png().toFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`${path}: expected a valid SVG to render, ${reason}`, {
      cause: error,
    });
  }
}

/** Writes an SVG document and its PNG rendering next to it; returns both paths. */
export async function writeSvgAndPng(
  svg: string,
  pathWithoutExt: string,
): Promise<{ svg: string; png: string }> {
  const paths = { svg: `${pathWithoutExt}.svg`, png: `${pathWithoutExt}.png` };
  await mkdir(dirname(paths.svg), { recursive: true });
  await writeFile(paths.svg, svg);
  await svgToPng(svg, paths.png);
  return paths;
}
