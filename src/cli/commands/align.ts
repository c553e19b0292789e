/**
 * `dmcl align`: landmarks for photos and folders of photos, written as JSON (and
 * CSV) next to each photo or under --out, with optional overlays.
 */

import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';

import {
  faceKey,
  formatPointsCsv,
  parseBoxesCsv,
  predictionsJson,
} from '../../data/predictions.js';
import { DataFormatError, isDmclError } from '../../errors.js';
import type { Box } from '../../geometry/box.js';
import { readImage } from '../../image/image.js';
import type { AlignedFace, Aligner } from '../../inference/aligner.js';
import { checkBoxInPhoto } from '../../inference/boxes.js';
import { DEFAULT_MODEL_PATH, loadAligner } from '../../inference/node.js';
import type { PixelImage } from '../../inference/pixels.js';
import { drawOverlay } from '../../plot/overlay.js';
import {
  note,
  numberOption,
  parseCommandArgs,
  UsageError,
  type Command,
} from '../command.js';
import { createProgressBar, type ProgressBar } from '../progress.js';

const PHOTO = /\.(jpe?g|png|webp|tiff?|gif|avif)$/i;

const usage = `Usage: dmcl align [options] PHOTO|FOLDER...

Finds the faces in each photo (BlazeFace) and writes their 68 landmarks as JSON
next to the photo (photo.jpg -> photo.landmarks.json), or under --out. Folders
are read for photos (.jpg .jpeg .png .webp .tif .tiff .gif .avif) and aligned in
batches with a progress bar. A photo that cannot be read is reported and skipped;
the rest go on. An existing output is never overwritten without --force.

Coordinates are 1-based photo pixels (the top-left pixel's centre is (1, 1)), as
in 300-W .pts files. The JSON is a dmcl predictions file ("dmcl eval" reads it):
per face its name, points [x1, y1, ..., x68, y68], box (the model's box: the tight
box of the landmarks), and with detection the detector's score and raw box.

Input:
  -r, --recursive      also read the folders' subfolders
  --boxes FILE         face boxes instead of detection, CSV rows
                       "image,left,right,top,bottom" (1-based pixels, the tight
                       box of the 68 points); photos it does not list are detected

Output:
  --out DIR            write into DIR instead of next to the photos (a folder
                       argument's subfolders are kept)
  --format LIST        json (default), csv, or json,csv; the CSV has one row per
                       face: "name,x1,y1,...,x68,y68"
  --draw               also draw the landmarks over each photo (.landmarks.png)
  -f, --force          overwrite existing outputs

Model:
  --model FILE         a DMCL .onnx model (default: the shipped dmcl-68.onnx)
  --min-score X        lowest detector score kept, 0..1 (default 0.5)
  --batch N            photos per batch, one ONNX Runtime call each (default 16)
  --threads N          ONNX Runtime threads (default: one per core)

  -q, --quiet          no progress bar and no summary line
  -h, --help           show this help

Exit status: 0 every photo aligned, 1 a photo was skipped (unreadable, or its
output exists) or a failure, 2 usage error.

Examples:
  dmcl align photo.jpg
  dmcl align -r --out landmarks --format json,csv --draw holiday/`;

export const alignCommand: Command = {
  name: 'align',
  summary: 'find faces and write their 68 landmarks for photos and folders',
  usage,
  run,
};

/** A photo to align and where its outputs go. */
interface Task {
  photo: string;
  /** Output path without the extension, e.g. `out/a/photo.landmarks`. */
  stem: string;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'align',
    argv,
    {
      recursive: { type: 'boolean', short: 'r', default: false },
      boxes: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string', default: 'json' },
      draw: { type: 'boolean', default: false },
      force: { type: 'boolean', short: 'f', default: false },
      model: { type: 'string' },
      'min-score': { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
    true,
  );
  if (positionals.length === 0)
    throw new UsageError('expected photos or folders to align');
  const formats = values.format.split(',').map((f) => f.trim());
  const unknown = formats.find((f) => f !== 'json' && f !== 'csv');
  if (unknown !== undefined || formats.length === 0) {
    throw new UsageError(
      `--format: expected json, csv or json,csv, found "${values.format}"`,
    );
  }
  const batch = numberOption('batch', values.batch, 16, 1, 4096);
  const minScore = numberOption('min-score', values['min-score'], 0.5, 0, 1);
  if (!Number.isInteger(batch))
    throw new UsageError(`--batch: expected an integer, found ${batch}`);
  const extensions = [...formats, ...(values.draw ? ['png'] : [])];

  // The photos, their outputs, and the boxes file
  const problems: string[] = [];
  const tasks = await collectTasks(positionals, values.recursive, values.out, problems);
  const boxes = values.boxes === undefined ? undefined : await readBoxes(values.boxes);

  // Outputs that exist already are skipped unless --force
  const todo: Task[] = [];
  for (const task of tasks) {
    const existing = await firstExisting(extensions.map((ext) => `${task.stem}.${ext}`));
    if (existing !== undefined && !values.force) {
      problems.push(
        `${task.photo}: skipped, ${existing} exists (use --force to overwrite)`,
      );
    } else {
      todo.push(task);
    }
  }

  const aligner = await loadAligner(values.model, {
    detector: { minScore },
    ...(values.threads !== undefined
      ? { threads: numberOption('threads', values.threads, 1, 1, 256) }
      : {}),
  });
  const model = basename(values.model ?? DEFAULT_MODEL_PATH);
  const bar = values.quiet
    ? undefined
    : createProgressBar({ total: todo.length, label: 'align' });
  let faces = 0;
  let done = 0;
  try {
    for (let start = 0; start < todo.length; start += batch) {
      const chunk = todo.slice(start, start + batch);
      const result = await alignChunk(aligner, chunk, boxes, problems, bar);
      for (const { task, image, found } of result) {
        await writeOutputs(task, image, found, {
          formats,
          draw: values.draw,
          model,
          aligner,
        });
        faces += found.length;
        done++;
        bar?.tick();
      }
    }
  } finally {
    bar?.done();
    await aligner.dispose();
  }

  // Summary: problems on stderr, one line each
  for (const problem of problems) note(problem);
  if (!values.quiet) {
    const skipped = problems.length > 0 ? `, ${problems.length} skipped` : '';
    note(
      `aligned ${faces} face${faces === 1 ? '' : 's'} in ${done} photo${done === 1 ? '' : 's'}${skipped}`,
    );
  }
  return problems.length > 0 ? 1 : 0;
}

/** Decodes a chunk of photos (skipping unreadable ones) and aligns them in one call. */
async function alignChunk(
  aligner: Aligner,
  chunk: Task[],
  boxes: Map<string, Box> | undefined,
  problems: string[],
  bar: ProgressBar | undefined,
): Promise<{ task: Task; image: PixelImage; found: AlignedFace[] }[]> {
  const ready: { task: Task; image: PixelImage; boxes: Box[] | undefined }[] = [];
  for (const task of chunk) {
    // Decode, and check a given box against the photo, skipping what fails
    try {
      const image = await readImage(task.photo);
      const box = boxes?.get(faceKey(basename(task.photo)));
      const source = `${task.photo}: box`;
      const checked =
        box === undefined
          ? undefined
          : [checkBoxInPhoto(box, image.width, image.height, source)];
      ready.push({ task, image, boxes: checked });
    } catch (error) {
      if (!isDmclError(error)) throw error;
      problems.push(`${error.message}; skipped`);
      bar?.tick();
    }
  }

  // Given boxes where the file lists the photo, detection for the rest
  const found = await aligner.alignBatch(
    ready.map((r) => r.image),
    { boxes: ready.map((r) => r.boxes) },
  );
  return ready.map((r, k) => ({ ...r, found: found[k] ?? [] }));
}

/** Writes a photo's JSON, CSV and overlay, as asked. */
async function writeOutputs(
  task: Task,
  image: PixelImage,
  found: AlignedFace[],
  options: { formats: string[]; draw: boolean; model: string; aligner: Aligner },
): Promise<void> {
  await mkdir(dirname(task.stem), { recursive: true });
  const scheme = options.aligner.scheme;
  const photoName = basename(task.photo).replace(/\.[^.]+$/, '');
  const names = found.map((_, k) =>
    found.length === 1 ? photoName : `${photoName}_${k + 1}`,
  );
  const named = found.map((face, k) => ({
    name: names[k] as string,
    points: face.landmarks.map((v) => Math.round(v * 1000) / 1000),
    box: face.box,
  }));

  // JSON: the predictions layout plus the photo, the detector's view and the crop
  if (options.formats.includes('json')) {
    const doc = predictionsJson(named, scheme, {
      image: relative(dirname(task.stem), task.photo),
      width: image.width,
      height: image.height,
      model: options.model,
    });
    doc.faces = (doc.faces as Record<string, unknown>[]).map((face, k) => {
      const aligned = found[k] as AlignedFace;
      const extra: Record<string, unknown> = { crop: aligned.transform };
      if (aligned.detection !== undefined) {
        extra.score = aligned.detection.score;
        extra.detectorBox = aligned.detection.box;
      }
      return { ...face, ...extra };
    });
    await writeFile(`${task.stem}.json`, `${JSON.stringify(doc, null, 2)}\n`);
  }
  if (options.formats.includes('csv')) {
    await writeFile(`${task.stem}.csv`, formatPointsCsv(named, scheme.numPoints));
  }
  if (options.draw) {
    const layers = found.map((face) => ({ points: face.landmarks, colour: '#ff4136' }));
    await drawOverlay(task.photo, { layers, scheme }, `${task.stem}.png`);
  }
}

/**
 * The photos named on the command line (files as given, folders listed) with the
 * stem of their outputs; missing paths and output clashes go to `problems`.
 */
async function collectTasks(
  paths: string[],
  recursive: boolean,
  out: string | undefined,
  problems: string[],
): Promise<Task[]> {
  const tasks: Task[] = [];
  const stems = new Set<string>();
  const add = (photo: string, relativeName: string): void => {
    const name = relativeName.slice(0, -extname(relativeName).length) + '.landmarks';
    const stem =
      out === undefined ? join(dirname(photo), basename(name)) : join(out, name);
    if (stems.has(resolve(stem))) {
      problems.push(`${photo}: skipped, another photo writes ${stem}.* too`);
      return;
    }
    stems.add(resolve(stem));
    tasks.push({ photo, stem });
  };

  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      problems.push(
        `${path}: expected a photo or a folder, found none (${code}); skipped`,
      );
      continue;
    }
    if (info.isDirectory()) {
      for (const photo of await listPhotos(path, recursive))
        add(photo, relative(path, photo));
    } else {
      add(path, basename(path));
    }
  }
  return tasks;
}

/** Photo files in a folder (and its subfolders when recursive), sorted. */
async function listPhotos(folder: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const photos: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && recursive) photos.push(...(await listPhotos(path, true)));
    else if (
      entry.isFile() &&
      PHOTO.test(entry.name) &&
      !entry.name.includes('.landmarks.')
    ) {
      photos.push(path);
    }
  }
  return photos;
}

async function readBoxes(path: string): Promise<Map<string, Box>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DataFormatError(
      path,
      `expected a boxes CSV file, cannot read it (${code})`,
      {
        cause: error,
      },
    );
  }
  return parseBoxesCsv(text, path);
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path);
      return path;
    } catch {
      // not there: fine
    }
  }
  return undefined;
}
