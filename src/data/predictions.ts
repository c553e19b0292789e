/**
 * Named point sets on disk: predictions and ground truth as CSV
 * (`image, x1, y1, ..., xn, yn`, as in the reference folder) or as a predictions
 * JSON file, plus face boxes as CSV (`image, left, right, top, bottom`).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { DataFormatError } from '../errors.js';
import { validateBox, type Box } from '../geometry/box.js';
import type { Scheme } from '../scheme/scheme.js';

/** The points of one face, by name. */
export interface NamedPoints {
  /** Face name; matched against dataset names by `faceKey`. */
  name: string;
  /** Interleaved `[x1, y1, ...]`, 1-based photo pixels. */
  points: Float64Array;
  /** The box the points were predicted in, when the file has one. */
  box?: Box;
}

/** Value of the `format` field of a predictions JSON file. */
export const PREDICTIONS_FORMAT = 'dmcl-predictions';

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The key two files' face names are matched by: the name without a trailing image
 * or `.pts` extension (`image_003_1.jpg` and `image_003_1` match).
 */
export function faceKey(name: string): string {
  return name.replace(/\.(jpe?g|png|bmp|tiff?|webp|pts)$/i, '');
}

/**
 * Parses a points CSV: one face per row, `name, x1, y1, ..., xn, yn`; an optional
 * header row (its second cell is not a number) is skipped.
 *
 * @throws DataFormatError naming the file and row for a wrong column count, a value
 *   that is not a number, or a repeated name
 */
export function parsePointsCsv(
  text: string,
  file: string,
  numPoints: number,
): NamedPoints[] {
  const rows = csvRows(text);
  if (rows.length > 0 && !NUMBER.test(rows[0]?.cells[1] ?? '')) rows.shift();
  const seen = new Set<string>();

  // Each row: name, then 2n numbers
  return rows.map(({ line, cells }) => {
    if (cells.length !== 1 + 2 * numPoints) {
      const what = `${1 + 2 * numPoints} columns (name and ${numPoints} x, y pairs)`;
      throw new DataFormatError(
        file,
        `line ${line}: expected ${what}, found ${cells.length}`,
      );
    }
    const name = cells[0] as string;
    if (seen.has(faceKey(name))) {
      throw new DataFormatError(
        file,
        `line ${line}: expected unique names, "${name}" repeats`,
      );
    }
    seen.add(faceKey(name));
    return { name, points: Float64Array.from(numbers(cells.slice(1), file, line)) };
  });
}

/**
 * Parses a boxes CSV: `name, left, right, top, bottom` per row (1-based pixels),
 * optional header. Returns a map from `faceKey(name)` to the box.
 *
 * @throws DataFormatError naming the file and row
 */
export function parseBoxesCsv(text: string, file: string): Map<string, Box> {
  const rows = csvRows(text);
  if (rows.length > 0 && !NUMBER.test(rows[0]?.cells[1] ?? '')) rows.shift();
  const boxes = new Map<string, Box>();
  for (const { line, cells } of rows) {
    if (cells.length !== 5) {
      const what = `5 columns (name, left, right, top, bottom), found ${cells.length}`;
      throw new DataFormatError(file, `line ${line}: expected ${what}`);
    }
    const [left, right, top, bottom] = numbers(cells.slice(1), file, line);
    const box = validateBox({ left, right, top, bottom }, `${file}: line ${line}`);
    boxes.set(faceKey(cells[0] as string), box);
  }
  return boxes;
}

/** Formats faces as a points CSV with a header (`image, x1, y1, ...`). */
export function formatPointsCsv(faces: NamedPoints[], numPoints: number): string {
  const header = ['image'];
  for (let i = 1; i <= numPoints; i++) header.push(`x${i}`, `y${i}`);
  const lines = [header.join(',')];
  for (const face of faces) lines.push([csvCell(face.name), ...face.points].join(','));
  return lines.join('\n') + '\n';
}

/**
 * The predictions JSON object: `{ format, version: 1, scheme, coordinates, faces:
 * [{ name, points: [x1, y1, ...], box? }] }`, coordinates in 1-based photo pixels.
 *
 * @param extra further top-level fields (e.g. how the predictions were made)
 */
export function predictionsJson(
  faces: NamedPoints[],
  scheme: Scheme,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    format: PREDICTIONS_FORMAT,
    version: 1,
    scheme: scheme.name,
    coordinates: '1-based photo pixels',
    ...extra,
    faces: faces.map((face) => ({
      name: face.name,
      points: Array.from(face.points),
      ...(face.box !== undefined ? { box: face.box } : {}),
    })),
  };
}

/**
 * Parses a predictions JSON text (layout of `predictionsJson`; points may also be
 * `[[x, y], ...]`).
 *
 * @throws DataFormatError naming the file and the face at fault
 */
export function parsePredictionsJson(
  text: string,
  file: string,
  numPoints: number,
): NamedPoints[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataFormatError(file, `expected JSON, ${(error as Error).message}`, {
      cause: error,
    });
  }
  const faces = (value as { faces?: unknown } | null)?.faces;
  if (!Array.isArray(faces)) {
    throw new DataFormatError(file, 'expected an object with a "faces" array');
  }

  // Each face: a name and n points, optionally a box
  const seen = new Set<string>();
  return faces.map((item: unknown, k): NamedPoints => {
    const face = (typeof item === 'object' && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    const where = `faces[${k}]`;
    if (typeof face.name !== 'string') {
      throw new DataFormatError(file, `${where}: expected "name" to be a string`);
    }
    if (seen.has(faceKey(face.name))) {
      throw new DataFormatError(
        file,
        `${where}: expected unique names, "${face.name}" repeats`,
      );
    }
    seen.add(faceKey(face.name));
    const raw = Array.isArray(face.points) ? (face.points as unknown[]).flat() : [];
    if (raw.length !== 2 * numPoints) {
      const found = Array.isArray(face.points)
        ? `${raw.length / 2} points`
        : 'no "points" array';
      throw new DataFormatError(
        file,
        `${where}: expected ${numPoints} points, found ${found}`,
      );
    }
    const bad = raw.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) {
      const found = JSON.stringify(raw[bad]);
      throw new DataFormatError(
        file,
        `${where}: value ${bad + 1}: expected a number, found ${found}`,
      );
    }
    const points = Float64Array.from(raw as number[]);
    if (face.box === undefined) return { name: face.name, points };
    return { name: face.name, points, box: validateBox(face.box, `${file}: ${where}`) };
  });
}

/**
 * Reads predictions or ground truth from a `.csv` (points CSV) or `.json`
 * (predictions JSON) file.
 *
 * @throws DataFormatError naming the file when it is missing or malformed
 */
export async function readPointsFile(
  path: string,
  numPoints: number,
): Promise<NamedPoints[]> {
  const text = await readText(path);
  if (extname(path).toLowerCase() === '.json')
    return parsePredictionsJson(text, path, numPoints);
  return parsePointsCsv(text, path, numPoints);
}

/** Reads a boxes CSV (see `parseBoxesCsv`). */
export async function readBoxesCsv(path: string): Promise<Map<string, Box>> {
  return parseBoxesCsv(await readText(path), path);
}

/**
 * Writes faces as a `.json` predictions file or a `.csv` points file, by extension.
 *
 * @param extra further top-level JSON fields (ignored for CSV)
 */
export async function writePointsFile(
  path: string,
  faces: NamedPoints[],
  scheme: Scheme,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const text =
    extname(path).toLowerCase() === '.csv'
      ? formatPointsCsv(faces, scheme.numPoints)
      : JSON.stringify(predictionsJson(faces, scheme, extra)) + '\n';
  await writeFile(path, text);
}

/** Non-empty CSV rows with their 1-based line numbers (no quoting beyond "..."). */
function csvRows(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    rows.push({ line: k + 1, cells });
  });
  return rows;
}

/** CSV cells as numbers, or DataFormatError naming the first bad cell. */
function numbers(cells: string[], file: string, line: number): number[] {
  return cells.map((cell, k) => {
    if (!NUMBER.test(cell)) {
      const found = JSON.stringify(cell);
      throw new DataFormatError(
        file,
        `line ${line}, column ${k + 2}: expected a number, found ${found}`,
      );
    }
    return Number(cell);
  });
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DataFormatError(path, `expected a points file, cannot read it (${code})`, {
      cause: error,
    });
  }
}
