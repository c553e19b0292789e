/**
 * `dmcl draw`: landmarks, box and crop over a photo, for people to look at.
 */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { loadDataset } from '../../data/dataset.js';
import { faceKey, readPointsFile } from '../../data/predictions.js';
import { parsePts } from '../../data/pts.js';
import { DataFormatError } from '../../errors.js';
import { boxFromPoints, type Box } from '../../geometry/box.js';
import { cropTransform } from '../../geometry/crop.js';
import { drawOverlay, type OverlayLayer } from '../../plot/overlay.js';

import {
  note,
  numberOption,
  parseCommandArgs,
  UsageError,
  type Command,
} from '../command.js';
import { resolveScheme } from '../../scheme/load.js';

const usage = `Usage: dmcl draw --image PHOTO [--pts FILE] [--predictions FILE] --out FILE [options]
       dmcl draw --data PATH --face NAME [--predictions FILE] --out FILE [options]

Draws landmarks over a photo and saves it as PNG or JPEG: annotated points in
green, predicted points in red, joined along the scheme's regions.

Input:
  --image PHOTO        the photo
  --pts FILE           annotated points (.pts, 1-based photo pixels)
  --data PATH          take the photo and its annotation from a dataset (300-W
                       folder, list file or JSON manifest) ...
  --face NAME          ... the face of that name; also selects the face in
                       --predictions (default: the photo's file name)
  --predictions FILE   predicted points (.json or .csv, as for "dmcl eval")

Options:
  --box                outline the face box (the tight box of the annotation, or
                       of the prediction when there is no annotation)
  --crop               outline the DMCL crop of that box (50x50, box enlarged 1.1x)
  --centre-bug         draw the crop with the released binary's vertical centre bug
  --numbers            write each point's 1-based number next to it
  --scale X            output pixels per photo pixel (default: longer side >= 512)
  --scheme NAME|FILE   landmark scheme: ibug68 (default) or a scheme JSON file
  --out FILE           output picture, .png or .jpg
  -h, --help           show this help

Example:
  dmcl draw --data data/300w/test --face lfpw-test_image_0001 --box --crop --out a.png`;

export const drawCommand: Command = {
  name: 'draw',
  summary: 'draw landmarks, box and crop over a photo (PNG or JPEG)',
  usage,
  run,
};

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('draw', argv, {
    image: { type: 'string' },
    pts: { type: 'string' },
    data: { type: 'string' },
    face: { type: 'string' },
    predictions: { type: 'string' },
    box: { type: 'boolean', default: false },
    crop: { type: 'boolean', default: false },
    'centre-bug': { type: 'boolean', default: false },
    numbers: { type: 'boolean', default: false },
    scale: { type: 'string' },
    scheme: { type: 'string', default: 'ibug68' },
    out: { type: 'string' },
  });
  if (values.out === undefined)
    throw new UsageError('expected --out FILE (.png or .jpg)');
  if ((values.image === undefined) === (values.data === undefined)) {
    throw new UsageError('expected exactly one of --image PHOTO and --data PATH');
  }
  if (values.data !== undefined && values.face === undefined) {
    throw new UsageError('--data needs --face NAME');
  }
  const scheme = await resolveScheme(values.scheme);

  // The photo and its annotation
  let image: string;
  let truth: Float64Array | undefined;
  let givenBox: Box | undefined;
  if (values.data !== undefined) {
    const faces = await loadDataset(values.data, { scheme });
    const face = faces.find((f) => faceKey(f.name) === faceKey(values.face as string));
    if (face === undefined) {
      throw new DataFormatError(
        values.data,
        `expected a face named ${values.face}, found none`,
      );
    }
    image = face.imagePath;
    truth = face.points;
    givenBox = face.box;
  } else {
    image = values.image as string;
    if (values.pts !== undefined) {
      truth = parsePts(await readText(values.pts), values.pts, scheme.numPoints);
    }
  }

  // The prediction of this face, if any
  let predicted: Float64Array | undefined;
  if (values.predictions !== undefined) {
    const name = values.face ?? basename(image);
    const all = await readPointsFile(values.predictions, scheme.numPoints);
    predicted = all.find((p) => faceKey(p.name) === faceKey(name))?.points;
    if (predicted === undefined) {
      throw new DataFormatError(
        values.predictions,
        `expected a face named ${name}, found none`,
      );
    }
  }

  const layers: OverlayLayer[] = [];
  if (truth !== undefined)
    layers.push({ points: truth, name: 'annotation', colour: '#2ecc40' });
  if (predicted !== undefined) {
    layers.push({ points: predicted, name: 'prediction', colour: '#ff4136' });
  }
  const reference = truth ?? predicted;
  const box =
    givenBox ?? (reference !== undefined ? boxFromPoints(reference) : undefined);
  if ((values.box || values.crop) && box === undefined) {
    throw new UsageError('--box and --crop need points (--pts, --data or --predictions)');
  }
  const crop = values.crop
    ? cropTransform(box as Box, { verticalCentreBug: values['centre-bug'] })
    : undefined;

  await drawOverlay(
    image,
    {
      layers,
      scheme,
      numbers: values.numbers,
      ...(values.box && box !== undefined ? { box } : {}),
      ...(crop !== undefined ? { crop } : {}),
      ...(values.scale !== undefined
        ? { scale: numberOption('scale', values.scale, 1, 0.01, 64) }
        : {}),
    },
    values.out,
  );
  note(`wrote ${values.out}`);
  return 0;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DataFormatError(path, `expected a .pts file, cannot read it (${code})`, {
      cause: error,
    });
  }
}
