/**
 * `dmcl baseline`: the mean training shape placed in each face box, written as
 * predictions. The floor any trained model has to beat.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writePointsFile } from '../../data/predictions.js';
import { meanShape, placeShape } from '../../evaluation/baseline.js';

import { note, out, parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadFaces } from '../load.js';
import { resolveScheme } from '../../scheme/load.js';

const usage = `Usage: dmcl baseline --train PATH --data PATH --out FILE [options]

Averages the shapes of the training faces, each taken relative to its face box
(the tight box of its points, or the manifest's box), and places that mean shape
in the box of every face of --data. Writes the result as predictions for
"dmcl eval": a dmcl predictions .json file, or a .csv when FILE ends in .csv.

Options:
  --train PATH        training dataset (300-W folder, list file or JSON manifest)
  --data PATH         dataset to predict, same forms
  --out FILE          predictions file to write (.json or .csv)
  --scheme NAME|FILE  landmark scheme: ibug68 (default) or a scheme JSON file
  --json              print a JSON summary instead of text
  -h, --help          show this help

Example:
  dmcl baseline --train data/300w/train --data data/300w/test --out runs/mean.json
  dmcl eval --predictions runs/mean.json --data data/300w/test`;

export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'predict the mean training shape in each face box (a floor to beat)',
  usage,
  run,
};

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('baseline', argv, {
    train: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    scheme: { type: 'string', default: 'ibug68' },
    json: { type: 'boolean', default: false },
  });
  const { train, data, out: outPath } = values;
  if (train === undefined || data === undefined || outPath === undefined) {
    throw new UsageError('expected --train PATH, --data PATH and --out FILE');
  }
  const scheme = await resolveScheme(values.scheme);

  // Mean shape of the training faces, then one placement per face box
  const trainFaces = await loadFaces(train, scheme, 'reading training faces');
  const shape = meanShape(trainFaces);
  const faces = await loadFaces(data, scheme, 'reading faces');
  const predictions = faces.map((face) => ({
    name: face.name,
    points: placeShape(shape, face.box),
    box: face.box,
  }));

  await mkdir(dirname(outPath), { recursive: true });
  const method = `mean shape of ${trainFaces.length} faces of ${train}, placed in each face box`;
  await writePointsFile(outPath, predictions, scheme, { method });
  const summary = {
    predictions: outPath,
    faces: faces.length,
    trainFaces: trainFaces.length,
  };
  if (values.json) out(JSON.stringify({ ...summary, method }));
  else note(`wrote ${faces.length} predictions to ${outPath} (${method})`);
  return 0;
}
