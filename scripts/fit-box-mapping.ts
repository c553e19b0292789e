/**
 * Learns the map from each detector's boxes (BlazeFace, face-api's Tiny Face
 * Detector and SSD) to the model's training boxes (the tight box of the 68 points)
 * on one in N 300-W TRAIN photos; checks on another one in N train photos whether a
 * second pass (re-cropping at the first pass's landmark box) helps; then measures
 * on TEST: recall, speed, and NME with detector boxes next to NME with the
 * ground-truth boxes. Writes src/detection/box-mappings.json and prints a report.
 *
 *   npx tsx scripts/fit-box-mapping.ts [--data ../shared/data/300w] [--every 4]
 *     [--detectors blazeface,tiny,ssd] [--model models/dmcl-68.onnx] [--report FILE]
 *
 * Nothing is chosen on the test photos: mapping and passes come from train only.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { median } from '../src/bench/stats.js';
import { loadDataset, type FaceRecord } from '../src/data/dataset.js';
import {
  createFaceApiNodeDetector,
  createNodeFaceDetector,
} from '../src/detection/node.js';
import { learnedBoxMapping, type MappedDetector } from '../src/detection/mappings.js';
import { evaluate } from '../src/evaluation/evaluate.js';
import { boxFromPoints, type Box } from '../src/geometry/box.js';
import { readImage, toGrey, type RgbImage } from '../src/image/image.js';
import type { Aligner, FaceDetection, FaceDetector } from '../src/inference/aligner.js';
import {
  boxIou,
  fitBoxMapping,
  mapDetectorBox,
  type BoxMapping,
} from '../src/inference/boxes.js';
import { loadAligner } from '../src/inference/node.js';
import { IBUG68 } from '../src/scheme/scheme.js';
import { writeJsonFile } from './write-json.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/300w' },
    every: { type: 'string', default: '4' },
    detectors: { type: 'string', default: 'blazeface,tiny,ssd' },
    model: { type: 'string', default: 'models/dmcl-68.onnx' },
    report: { type: 'string' },
    write: { type: 'boolean', default: true },
  },
});
const every = Number(values.every);
const models = values.detectors.split(',') as MappedDetector[];
const MATCH_IOU = 0.5;

/** One photo's detections and how long the detector took. */
interface Detected {
  face: FaceRecord;
  found: FaceDetection[];
  ms: number;
}

/** Runs a detector over faces, one photo each (300-W crops hold one annotated face). */
async function detectAll(
  detector: FaceDetector,
  faces: FaceRecord[],
): Promise<Detected[]> {
  const out: Detected[] = [];
  for (const face of faces) {
    const image = await readImage(face.imagePath);
    const started = performance.now();
    const found = await detector.detect(image);
    out.push({ face, found, ms: performance.now() - started });
  }
  return out;
}

/** The detection that best overlaps the face after mapping, if any beats `minIou`. */
function match(
  d: Detected,
  mapping: BoxMapping,
  minIou: number,
): FaceDetection | undefined {
  let best: FaceDetection | undefined;
  let bestIou = minIou;
  for (const det of d.found) {
    const iou = boxIou(mapDetectorBox(det.box, mapping), d.face.box);
    if (iou > bestIou) {
      best = det;
      bestIou = iou;
    }
  }
  return best;
}

/** Landmarks of faces in given boxes, optionally a second pass from the first's tight box. */
async function alignFaces(
  aligner: Aligner,
  faces: FaceRecord[],
  boxes: Box[],
  refine: boolean,
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const [k, face] of faces.entries()) {
    const grey = toGrey((await readImage(face.imagePath)) as RgbImage);
    let [points] = await aligner.alignGrey(grey, [boxes[k] as Box]);
    if (refine)
      [points] = await aligner.alignGrey(grey, [boxFromPoints(points as Float64Array)]);
    out.push(points as Float64Array);
  }
  return out;
}

const pct = (v: number | undefined): string =>
  v === undefined ? '-' : (v * 100).toFixed(2);

/** Eye-centroid and outer-corner NME of faces aligned in the given boxes. */
async function nmeWith(
  faces: FaceRecord[],
  boxes: Box[],
  refine: boolean,
): Promise<ReturnType<typeof evaluate>['nme']> {
  const points = await alignFaces(aligner, faces, boxes, refine);
  const names = faces.map((f) => f.name);
  return evaluate(
    points,
    faces.map((f) => f.points),
    IBUG68,
    { names },
  ).nme;
}

/** The faces a detector finds (IoU > 0.5 after mapping) and their mapped boxes. */
function matchedFaces(detected: Detected[], mapping: BoxMapping): [FaceRecord[], Box[]] {
  const faces: FaceRecord[] = [];
  const boxes: Box[] = [];
  for (const d of detected) {
    const m = match(d, mapping, MATCH_IOU);
    if (m === undefined) continue;
    faces.push(d.face);
    boxes.push(mapDetectorBox(m.box, mapping));
  }
  return [faces, boxes];
}

// The photos: train subsamples for fitting and for validation, all of test to report
const allTrain = await loadDataset(join(values.data, 'train'), { scheme: IBUG68 });
const train = allTrain.filter((_, k) => k % every === 0);
const validation = allTrain.filter((_, k) => k % every === 1);
const test = await loadDataset(join(values.data, 'test'), { scheme: IBUG68 });
const aligner = await loadAligner(values.model, { detector: false, threads: 1 });

// Ground-truth boxes: the model card's protocol, one pass and two
const gtBoxes = test.map((f) => f.box);
const gt = await nmeWith(test, gtBoxes, false);
const gt2 = await nmeWith(test, gtBoxes, true);
const lines = [
  `model ${values.model}; fitted on ${train.length} train photos (one in ${every}), ` +
    `validated on ${validation.length} other train photos, reported on ${test.length} test photos`,
  '',
  '| boxes | test faces found | recall | detector ms/photo | NME eye-centroid % | ' +
    'NME outer corners % | same faces, GT boxes % | validation NME % |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  `| ground truth | ${test.length} | - | - | ${pct(gt['eye-centroid'])} | ` +
    `${pct(gt['outer-eye-corners'])} | - | - |`,
  `| ground truth, 2 passes | ${test.length} | - | - | ${pct(gt2['eye-centroid'])} | ` +
    `${pct(gt2['outer-eye-corners'])} | - | - |`,
];
const written: Record<string, unknown> = {};
const report: Record<string, unknown> = { gt, gtTwoPasses: gt2 };

for (const model of models) {
  const detector =
    model === 'blazeface'
      ? await createNodeFaceDetector({ boxMapping: learnedBoxMapping(model) })
      : await createFaceApiNodeDetector({ model, boxMapping: learnedBoxMapping(model) });

  // Fit on train: each face's best raw detection (its centre inside the GT box)
  const fitted = await detectAll(detector, train);
  const pairs = fitted.flatMap((d) => {
    const inside = d.found.filter((det) => {
      const cx = (det.box.left + det.box.right) / 2;
      const cy = (det.box.top + det.box.bottom) / 2;
      const b = d.face.box;
      return cx > b.left && cx < b.right && cy > b.top && cy < b.bottom;
    });
    const best = inside.sort(
      (a, b) => boxIou(b.box, d.face.box) - boxIou(a.box, d.face.box),
    )[0];
    return best === undefined ? [] : [{ detected: best.box, target: d.face.box }];
  });
  const mapping = fitBoxMapping(pairs);
  written[model] = {
    mapping,
    fittedOn: `300-W train, ${pairs.length} of ${train.length} faces (one photo in ${every})`,
  };

  // Validation (other train photos): does a second pass from the first pass's box help?
  const [valFaces, valBoxes] = matchedFaces(
    await detectAll(detector, validation),
    mapping,
  );
  const val = await nmeWith(valFaces, valBoxes, false);
  const val2 = await nmeWith(valFaces, valBoxes, true);

  // Test: recall after mapping, speed, NME with the matched detector boxes
  const detected = await detectAll(detector, test);
  const [found, foundBoxes] = matchedFaces(detected, mapping);
  const det = await nmeWith(found, foundBoxes, false);
  const det2 = await nmeWith(found, foundBoxes, true);
  const same = await nmeWith(
    found,
    found.map((f) => f.box),
    false,
  );
  const ms = median(detected.map((d) => d.ms));
  const recall = found.length / test.length;
  for (const [label, r, v] of [
    ['', det, val],
    [', 2 passes', det2, val2],
  ] as const) {
    lines.push(
      `| ${detector.name}${label} | ${found.length} | ${pct(recall)} % | ${ms.toFixed(1)} | ` +
        `${pct(r['eye-centroid'])} | ${pct(r['outer-eye-corners'])} | ` +
        `${pct(same['eye-centroid'])} | ${pct(v['eye-centroid'])} |`,
    );
  }
  report[model] = {
    mapping,
    pairs: pairs.length,
    recall,
    msPerPhoto: ms,
    nme: det,
    nmeTwoPasses: det2,
    validation: { nme: val, nmeTwoPasses: val2 },
    nmeSameFacesGt: same,
  };
  await detector.dispose();
}
await aligner.dispose();

console.log(lines.join('\n'));
for (const model of models)
  console.log(model, JSON.stringify((written[model] as { mapping: BoxMapping }).mapping));
if (values.write) {
  const path = 'src/detection/box-mappings.json';
  // Detectors not fitted in this run keep their entries as they are
  const previous = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeJsonFile(path, { ...previous, ...written });
  console.log(`wrote ${path}`);
}
if (values.report !== undefined)
  await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
