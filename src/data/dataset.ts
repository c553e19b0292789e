/**
 * Face datasets: 300-W style folders, list files and JSON manifests, loaded into
 * `FaceRecord`s with every bad input reported by file and problem.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';

import { DataFormatError, isDmclError } from '../errors.js';
import { boxFromPoints, validateBox, type Box } from '../geometry/box.js';
import { readImage, readImageSize } from '../image/image.js';
import type { Scheme } from '../scheme/scheme.js';
import { mapSettled } from './pool.js';
import { parsePts } from './pts.js';

/** One annotated face. */
export interface FaceRecord {
  /** Unique within its dataset: the `.pts` path relative to the dataset, no extension. */
  name: string;
  /** The photo the points refer to. */
  imagePath: string;
  /** Interleaved `[x1, y1, ...]`, 1-based photo pixels, `scheme.numPoints` points. */
  points: Float64Array;
  /** The face box: the manifest's box when given, else the tight box of the points. */
  box: Box;
  /** The file the annotation came from (the `.pts` file or the manifest). */
  source: string;
  /** Photo width in pixels. */
  imageWidth: number;
  /** Photo height in pixels. */
  imageHeight: number;
}

/** How a dataset path was read. */
export type DatasetKind = 'folder' | 'list' | 'manifest';

/** Options of `loadDataset` and `scanDataset`. */
export interface LoadDatasetOptions {
  /** The scheme the annotations must follow (its `numPoints` is checked). */
  scheme: Scheme;
  /**
   * Decode every image fully instead of reading its header only, which also finds
   * truncated files. Default false for `loadDataset`, true for `scanDataset`.
   */
  decodeImages?: boolean;
  /**
   * How far a point may lie outside the photo, as a fraction of the photo's larger
   * side, before the face is refused. Default 0.25.
   */
  outsideTolerance?: number;
  /** Files read at once. Default 16. */
  concurrency?: number;
  /** Called after each face with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** One bad face (or file) found by `scanDataset`. */
export interface DatasetProblem {
  /** The file at fault. */
  file: string;
  /** What was expected and what was found. */
  problem: string;
}

/** Minimum, median, mean and maximum of a quantity; all 0 when `count` is 0. */
export interface Spread {
  count: number;
  min: number;
  median: number;
  mean: number;
  max: number;
}

/** What `scanDataset` found. */
export interface DatasetScan {
  path: string;
  kind: DatasetKind;
  /** Name of the scheme the annotations were checked against. */
  scheme: string;
  /** Annotations found, good and bad. */
  entries: number;
  /** The good faces, in dataset order. */
  faces: FaceRecord[];
  /** Distinct photos among the good faces. */
  images: number;
  /** Every problem, in dataset order; empty when the dataset is clean. */
  problems: DatasetProblem[];
  /** Box sizes (pixels) of the good faces. */
  boxWidth: Spread;
  boxHeight: Spread;
  /** Photo sizes (pixels) of the good faces. */
  imageWidth: Spread;
  imageHeight: Spread;
}

/** An annotation found while listing a dataset, before its files are read. */
interface Entry {
  name: string;
  /** The `.pts` file, or the manifest. */
  source: string;
  /** Prefix for error messages about manifest entries (`faces[3]: `). */
  where: string;
  ptsPath?: string;
  imagePath?: string;
  points?: unknown;
  box?: unknown;
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp'];

/**
 * Loads every face of a dataset: a 300-W style folder (searched recursively for
 * `.pts` files with the photo next to them), a list file (one `.pts` or image path
 * per line, relative to the list; `#` starts a comment) or a JSON manifest (see
 * `listManifest` below).
 *
 * A photo is found as `<stem>.jpg|.jpeg|.png` next to the `.pts` file, or, for faces
 * of one photo named `<photo>_<k>`, as `<photo>.jpg|.jpeg|.png`.
 *
 * @throws DataFormatError for the first bad face, naming the file and the problem:
 *   missing or unreadable image, wrong point count, non-numeric value, points far
 *   outside the image, duplicate names
 */
export async function loadDataset(
  path: string,
  options: LoadDatasetOptions,
): Promise<FaceRecord[]> {
  const { entries } = await listDataset(path);
  const settled = await loadEntries(entries, { decodeImages: false, ...options });

  // First failure in dataset order wins
  const faces: FaceRecord[] = [];
  for (const outcome of settled) {
    if (!outcome.ok) throw outcome.error;
    faces.push(outcome.value);
  }
  const duplicate = findDuplicate(faces);
  if (duplicate !== undefined)
    throw new DataFormatError(duplicate.file, duplicate.problem);
  return faces;
}

/**
 * Checks a whole dataset without stopping at the first problem, and summarises it
 * (faces, photos, box and photo sizes, problems).
 *
 * @throws DataFormatError only when the dataset itself (folder, list, manifest)
 *   cannot be read
 */
export async function scanDataset(
  path: string,
  options: LoadDatasetOptions,
): Promise<DatasetScan> {
  const { kind, entries } = await listDataset(path);
  const settled = await loadEntries(entries, { decodeImages: true, ...options });

  // Split good faces from problems; anything not ours is a bug and is rethrown
  const faces: FaceRecord[] = [];
  const problems: DatasetProblem[] = [];
  for (const outcome of settled) {
    if (outcome.ok) faces.push(outcome.value);
    else if (outcome.error instanceof DataFormatError) {
      problems.push({ file: outcome.error.file, problem: outcome.error.problem });
    } else throw outcome.error;
  }
  const duplicate = findDuplicate(faces);
  if (duplicate !== undefined) problems.push(duplicate);

  return {
    path,
    kind,
    scheme: options.scheme.name,
    entries: entries.length,
    faces,
    images: new Set(faces.map((f) => f.imagePath)).size,
    problems,
    boxWidth: spread(faces.map((f) => f.box.right - f.box.left)),
    boxHeight: spread(faces.map((f) => f.box.bottom - f.box.top)),
    imageWidth: spread(faces.map((f) => f.imageWidth)),
    imageHeight: spread(faces.map((f) => f.imageHeight)),
  };
}

/** Minimum, median, mean and maximum of values (all 0 for none). */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { count: 0, min: 0, median: 0, mean: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    median,
    mean,
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * Lists the annotations of a dataset path without reading them.
 *
 * @throws DataFormatError when the path is missing or the list/manifest is malformed
 */
async function listDataset(
  path: string,
): Promise<{ kind: DatasetKind; entries: Entry[] }> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DataFormatError(
      path,
      `expected a dataset folder, list file or JSON manifest, found none (${code})`,
      { cause: error },
    );
  }
  if (info.isDirectory()) return { kind: 'folder', entries: await listFolder(path) };
  if (extname(path).toLowerCase() === '.json') {
    return { kind: 'manifest', entries: await listManifest(path) };
  }
  return { kind: 'list', entries: await listFile(path) };
}

/** Every `.pts` file under a folder, sorted by relative path. */
async function listFolder(root: string): Promise<Entry[]> {
  const files = await readdir(root, { recursive: true, withFileTypes: true });
  const pts = files
    .filter((f) => f.isFile() && extname(f.name).toLowerCase() === '.pts')
    .map((f) => join(f.parentPath, f.name))
    .sort();
  return pts.map((file) => ({
    name: stripExtension(relative(root, file).split(sep).join('/')),
    source: file,
    where: '',
    ptsPath: file,
  }));
}

/** A list file: one `.pts` or image path per line, relative to the list. */
async function listFile(path: string): Promise<Entry[]> {
  const text = await readText(path, 'a list file of .pts or image paths');
  const base = dirname(path);
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;

    // An image path stands for the .pts file next to it
    const file = isAbsolute(line) ? line : join(base, line);
    const ext = extname(file).toLowerCase();
    if (ext !== '.pts' && !IMAGE_EXTENSIONS.includes(ext)) {
      const found = JSON.stringify(line);
      throw new DataFormatError(
        path,
        `line ${k + 1}: expected a .pts or image path, found ${found}`,
      );
    }
    const ptsPath = ext === '.pts' ? file : stripExtension(file) + '.pts';
    const imagePath = ext === '.pts' ? undefined : file;
    const name = stripExtension(line.split(sep).join('/'));
    entries.push({
      name,
      source: ptsPath,
      where: '',
      ptsPath,
      ...(imagePath ? { imagePath } : {}),
    });
  });
  return entries;
}

/**
 * A JSON manifest: `{ "faces": [ ... ] }` or a bare array of faces, each
 * `{ "image": path, "pts": path }` or `{ "image": path, "points": [[x, y], ...] }`
 * (or flat `[x1, y1, ...]`), with optional `"name"` (default: the image stem) and
 * `"box": { left, right, top, bottom }` (default: the tight box of the points).
 * Paths are relative to the manifest.
 */
async function listManifest(path: string): Promise<Entry[]> {
  const text = await readText(path, 'a JSON manifest');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataFormatError(path, `expected JSON, ${(error as Error).message}`, {
      cause: error,
    });
  }
  const faces = Array.isArray(value)
    ? value
    : (value as { faces?: unknown } | null)?.faces;
  if (!Array.isArray(faces)) {
    throw new DataFormatError(
      path,
      'expected a "faces" array or a top-level array of faces',
    );
  }

  // Each face: image path, then the .pts path or inline points
  const base = dirname(path);
  const at = (p: string): string => (isAbsolute(p) ? p : join(base, p));
  return faces.map((item: unknown, k): Entry => {
    const where = `faces[${k}]: `;
    const face = (typeof item === 'object' && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    if (typeof face.image !== 'string') {
      throw new DataFormatError(path, `${where}expected "image" to be a path string`);
    }
    if (typeof face.pts !== 'string' && face.points === undefined) {
      throw new DataFormatError(path, `${where}expected "pts" (a path) or "points"`);
    }
    const name =
      typeof face.name === 'string' ? face.name : stripExtension(basename(face.image));
    return {
      name,
      source: path,
      where,
      imagePath: at(face.image),
      ...(typeof face.pts === 'string'
        ? { ptsPath: at(face.pts) }
        : { points: face.points }),
      ...(face.box !== undefined ? { box: face.box } : {}),
    };
  });
}

/** Reads every entry with bounded concurrency. */
async function loadEntries(entries: Entry[], options: LoadDatasetOptions) {
  const folders = new Map<string, Promise<Map<string, string>>>();
  const total = entries.length;
  return mapSettled(
    entries,
    options.concurrency ?? 16,
    (entry) => loadEntry(entry, options, folders),
    (done) => options.onProgress?.(done, total),
  );
}

/** Reads one face: points, photo (header or full decode), box, and checks them. */
async function loadEntry(
  entry: Entry,
  options: LoadDatasetOptions,
  folders: Map<string, Promise<Map<string, string>>>,
): Promise<FaceRecord> {
  const numPoints = options.scheme.numPoints;
  try {
    // Points from the .pts file or from the manifest
    const points =
      entry.ptsPath !== undefined
        ? parsePts(await readText(entry.ptsPath, 'a .pts file'), entry.ptsPath, numPoints)
        : inlinePoints(entry.points, numPoints);

    // The photo and its size
    const imagePath =
      entry.imagePath ?? (await findImage(entry.ptsPath as string, folders));
    const size = options.decodeImages
      ? await readImage(imagePath)
      : await readImageSize(imagePath);
    checkInside(points, size.width, size.height, options.outsideTolerance ?? 0.25, entry);

    const box =
      entry.box === undefined ? boxFromPoints(points) : validateBox(entry.box, 'box');
    return {
      name: entry.name,
      imagePath,
      points,
      box,
      source: entry.source,
      imageWidth: size.width,
      imageHeight: size.height,
    };
  } catch (error) {
    // Manifest entries: the manifest is the file to fix, so it leads the message
    if (entry.where === '' || !isDmclError(error)) throw error;
    const inner =
      error instanceof DataFormatError
        ? `${error.file}: ${error.problem}`
        : error.message;
    throw new DataFormatError(entry.source, `${entry.where}${inner}`, { cause: error });
  }
}

/** Inline manifest points: `[[x, y], ...]` or `[x1, y1, ...]`. */
function inlinePoints(value: unknown, numPoints: number): Float64Array {
  if (!Array.isArray(value)) throw new DataFormatError('points', 'expected an array');
  const flat: unknown[] = value.every(Array.isArray)
    ? (value as unknown[][]).flat()
    : value;
  const count = flat.length / 2;
  if (
    value.every(Array.isArray) &&
    !(value as unknown[][]).every((p) => p.length === 2)
  ) {
    throw new DataFormatError('points', 'expected [x, y] pairs');
  }
  if (count !== numPoints) {
    throw new DataFormatError('points', `expected ${numPoints} points, found ${count}`);
  }
  const bad = flat.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) {
    const found = JSON.stringify(flat[bad]);
    throw new DataFormatError(
      'points',
      `value ${bad + 1}: expected a number, found ${found}`,
    );
  }
  return Float64Array.from(flat as number[]);
}

/**
 * The photo of a `.pts` file: `<stem>.<image ext>` next to it, else `<photo>.<ext>`
 * when the stem is `<photo>_<k>`.
 */
async function findImage(
  ptsPath: string,
  folders: Map<string, Promise<Map<string, string>>>,
): Promise<string> {
  const folder = dirname(ptsPath);
  let listing = folders.get(folder);
  if (listing === undefined) {
    listing = readdir(folder).then(
      (names) => new Map(names.map((n) => [n.toLowerCase(), n])),
      () => new Map<string, string>(),
    );
    folders.set(folder, listing);
  }
  const files = await listing;

  // The face's own stem first, then the photo stem without "_<k>"
  const stem = stripExtension(basename(ptsPath));
  const stems = [stem];
  const photo = /^(.*)_\d+$/.exec(stem);
  if (photo !== null) stems.push(photo[1] as string);
  for (const candidate of stems) {
    for (const ext of IMAGE_EXTENSIONS) {
      const actual = files.get((candidate + ext).toLowerCase());
      if (actual !== undefined) return join(folder, actual);
    }
  }
  const tried = stems.map((s) => `${s}.jpg/.png`).join(' or ');
  throw new DataFormatError(ptsPath, `expected an image ${tried} next to it, found none`);
}

/** Refuses points far outside the photo (1-based pixels cover 0.5 .. size + 0.5). */
function checkInside(
  points: Float64Array,
  width: number,
  height: number,
  tolerance: number,
  entry: Entry,
): void {
  const margin = tolerance * Math.max(width, height);
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (
      x < 0.5 - margin ||
      x > width + 0.5 + margin ||
      y < 0.5 - margin ||
      y > height + 0.5 + margin
    ) {
      const pct = Math.round(tolerance * 100);
      const what =
        `point ${i / 2 + 1} (${x}, ${y}) lies far outside the ${width}x${height} image ` +
        `(more than ${pct} % of its larger side)`;
      throw new DataFormatError(
        entry.ptsPath ?? 'points',
        `expected points on the photo, ${what}`,
      );
    }
  }
}

/** The first repeated face name, as a problem. */
function findDuplicate(faces: FaceRecord[]): DatasetProblem | undefined {
  const seen = new Map<string, FaceRecord>();
  for (const face of faces) {
    const earlier = seen.get(face.name);
    if (earlier !== undefined) {
      const problem = `expected unique face names, "${face.name}" also comes from ${earlier.source}`;
      return { file: face.source, problem };
    }
    seen.set(face.name, face);
  }
  return undefined;
}

/** Reads a text file, or throws DataFormatError saying what was expected. */
async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DataFormatError(path, `expected ${what}, cannot read it (${code})`, {
      cause: error,
    });
  }
}

/** A path without its last extension. */
function stripExtension(path: string): string {
  const ext = extname(path);
  return ext === '' ? path : path.slice(0, -ext.length);
}
