/**
 * `dmcl eval`: NME, failure rate, AUC and CED of predictions against ground truth.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { FaceRecord } from '../../data/dataset.js';
import {
  faceKey,
  readBoxesCsv,
  readPointsFile,
  type NamedPoints,
} from '../../data/predictions.js';
import { DataFormatError } from '../../errors.js';
import { writeCedPlot } from '../../evaluation/ced-plot.js';
import { evaluate, formatReport } from '../../evaluation/evaluate.js';
import { predictFaces } from '../../evaluation/predict.js';
import type { Box } from '../../geometry/box.js';
import { NORMALISER_NAMES, type NormaliserName } from '../../scheme/scheme.js';
import { resolveScheme } from '../../scheme/load.js';
import { note, out, parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadFaces } from '../load.js';
import { loadModelPredictor } from '../model-predictor.js';
import { createProgressBar } from '../progress.js';

const usage = `Usage: dmcl eval --predictions FILE (--truth FILE | --data PATH) [options]
       dmcl eval --model FILE --data PATH [options]

Compares predicted landmarks with the ground truth and reports the normalised mean
error (NME) under each normaliser, failure rates and AUCs at 0.08 and 0.10, and the
cumulative error distribution (CED). Every number is a share of the named
normaliser: eye-centroid (distance of the eye centroids, the DMCL authors' choice),
outer-eye-corners (points 37 and 46 for 68 points), box-diagonal (diagonal of the
tight ground-truth box unless --boxes is given).

Faces are matched by name; an image extension is ignored (image_003.jpg matches
image_003). Every ground-truth face needs a prediction.

Input:
  --predictions FILE  predicted points, 1-based photo pixels: a dmcl predictions
                      .json file, or a .csv with rows "image,x1,y1,...,xn,yn"
  --model FILE        a trained model to run on every face of --data
  --truth FILE        ground truth as .csv or .json, same layouts as --predictions
  --data PATH         ground truth as a dataset: a 300-W style folder, a list file
                      or a JSON manifest
  --boxes FILE        face boxes "image,left,right,top,bottom" (.csv) for the
                      box-diagonal normaliser

Options:
  --scheme NAME|FILE  landmark scheme: ibug68 (default) or a scheme JSON file
  --normaliser NAME   report only this normaliser (repeatable): eye-centroid,
                      outer-eye-corners, box-diagonal; default all the scheme has
  --out DIR           folder for report.json, ced.svg and ced.png (default runs/eval)
  --json              print the report as one JSON object instead of a table
  -h, --help          show this help

Examples:
  dmcl eval --predictions dmcl.csv --truth truth.csv --json
  dmcl eval --predictions baseline.json --data data/300w/test --out runs/baseline`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'NME, failure rate, AUC and CED of predictions against ground truth',
  usage,
  run,
};

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('eval', argv, {
    predictions: { type: 'string' },
    model: { type: 'string' },
    truth: { type: 'string' },
    data: { type: 'string' },
    boxes: { type: 'string' },
    scheme: { type: 'string', default: 'ibug68' },
    normaliser: { type: 'string', multiple: true },
    out: { type: 'string', default: join('runs', 'eval') },
    json: { type: 'boolean', default: false },
  });
  if ((values.predictions === undefined) === (values.model === undefined)) {
    throw new UsageError('expected exactly one of --predictions FILE and --model FILE');
  }
  if ((values.truth === undefined) === (values.data === undefined)) {
    throw new UsageError('expected exactly one of --truth FILE and --data PATH');
  }
  if (values.model !== undefined && values.data === undefined) {
    throw new UsageError('--model needs --data PATH (the photos to run it on)');
  }
  const normalisers = parseNormalisers(values.normaliser);
  const scheme = await resolveScheme(values.scheme);

  // Ground truth: a points file or a dataset
  let truths: NamedPoints[];
  let faces: FaceRecord[] | undefined;
  if (values.data !== undefined) {
    faces = await loadFaces(values.data, scheme, 'reading faces');
    truths = faces.map((f) => ({ name: f.name, points: f.points }));
  } else {
    truths = await readPointsFile(values.truth as string, scheme.numPoints);
  }

  // Predictions: a points file or the model run on the dataset
  let predictions: NamedPoints[];
  let predictionSource: string;
  if (values.model !== undefined) {
    const predictor = await loadModelPredictor(values.model, scheme);
    const bar = createProgressBar({ total: truths.length, label: 'predicting' });
    predictions = await predictFaces(faces ?? [], predictor, (done) => bar.update(done));
    bar.done();
    predictionSource = values.model;
  } else {
    predictionSource = values.predictions as string;
    predictions = await readPointsFile(predictionSource, scheme.numPoints);
  }
  const matched = matchFaces(predictions, truths, predictionSource);

  // Evaluate, then write the report and the CED plot
  const boxes =
    values.boxes === undefined ? undefined : await boxesFor(values.boxes, truths);
  const report = evaluate(
    matched,
    truths.map((t) => t.points),
    scheme,
    {
      names: truths.map((t) => t.name),
      ...(boxes !== undefined ? { boxes } : {}),
      ...(normalisers !== undefined ? { normalisers } : {}),
    },
  );
  const sources = {
    predictions: predictionSource,
    truth: values.data ?? (values.truth as string),
    ...(values.boxes !== undefined ? { boxes: values.boxes } : {}),
  };
  await mkdir(values.out, { recursive: true });
  const reportPath = join(values.out, 'report.json');
  const plot = await writeCedPlot(report, join(values.out, 'ced'));
  const files = { report: reportPath, cedSvg: plot.svg, cedPng: plot.png };
  await writeFile(reportPath, JSON.stringify({ ...report, sources }, null, 2) + '\n');

  if (values.json) {
    out(JSON.stringify({ ...report, sources, files }));
  } else {
    out(formatReport(report));
    out(`report ${files.report}, CED ${files.cedSvg} and ${files.cedPng}`);
  }
  return 0;
}

/** Predictions in ground-truth order, matched by `faceKey`. */
function matchFaces(
  predictions: NamedPoints[],
  truths: NamedPoints[],
  source: string,
): Float64Array[] {
  const byKey = new Map(predictions.map((p) => [faceKey(p.name), p.points]));
  const missing = truths.filter((t) => !byKey.has(faceKey(t.name))).map((t) => t.name);
  if (missing.length > 0) {
    const first = missing.slice(0, 3).join(', ');
    throw new DataFormatError(
      source,
      `expected a prediction for each of the ${truths.length} faces, ` +
        `missing ${missing.length} (${first}${missing.length > 3 ? ', ...' : ''})`,
    );
  }
  const extra = predictions.length - truths.length;
  if (extra > 0)
    note(`dmcl eval: ignoring ${extra} predictions of faces not in the ground truth`);
  return truths.map((t) => byKey.get(faceKey(t.name)) as Float64Array);
}

/** Boxes from a CSV, one per ground-truth face. */
async function boxesFor(path: string, truths: NamedPoints[]): Promise<Box[]> {
  const boxes = await readBoxesCsv(path);
  return truths.map((t) => {
    const box = boxes.get(faceKey(t.name));
    if (box === undefined) {
      throw new DataFormatError(
        path,
        `expected a box for every face, found none for ${t.name}`,
      );
    }
    return box;
  });
}

function parseNormalisers(values: string[] | undefined): NormaliserName[] | undefined {
  if (values === undefined) return undefined;
  return values.map((v) => {
    if (!(NORMALISER_NAMES as readonly string[]).includes(v)) {
      throw new UsageError(
        `--normaliser: expected one of ${NORMALISER_NAMES.join(', ')}, found "${v}"`,
      );
    }
    return v as NormaliserName;
  });
}
