/**
 * Learns the map from each face-api detector's boxes to the model's training boxes
 * (the tight box of the 68 points) on 300-W TRAIN photos, then measures on TEST:
 * detector recall and speed, and NME with detector boxes next to NME with the
 * ground-truth boxes. Writes src/detection/box-mappings.json and prints a report.
 *
 *   npx tsx scripts/fit-box-mapping.ts [--data ../shared/data/300w] [--every 2]
 *     [--detectors tiny,ssd] [--model models/dmcl-68.onnx] [--report FILE]
 *
 * Nothing is chosen on the test photos: the mapping comes from train only.
 */
import { writeFile } from 'node:fs/promises';
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
    every: { type: 'string', default: '2' },
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

// The photos: a subsample of train for fitting, all of test for reporting
const train = (await loadDataset(join(values.data, 'train'), { scheme: IBUG68 })).filter(
  (_, k) => k % every === 0,
);
const test = await loadDataset(join(values.data, 'test'), { scheme: IBUG68 });
const aligner = await loadAligner(values.model, { detector: false, threads: 1 });
const names = test.map((f) => f.name);
const truths = test.map((f) => f.points);

// Ground-truth boxes: the model card's protocol, one pass and two
const gtReport = evaluate(
  await alignFaces(
    aligner,
    test,
    test.map((f) => f.box),
    false,
  ),
  truths,
  IBUG68,
  { names },
);
const gtRefined = evaluate(
  await alignFaces(
    aligner,
    test,
    test.map((f) => f.box),
    true,
  ),
  truths,
  IBUG68,
  { names },
);
const lines = [
  `model ${values.model}; fitted on ${train.length} train photos (one in ${every}), reported on ${test.length} test photos`,
  '',
  '| boxes | found | recall | detector ms/photo | NME eye-centroid % | NME outer corners % | same faces, GT boxes % |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  `| ground truth | ${test.length} | - | - | ${pct(gtReport.nme['eye-centroid'])} | ${pct(gtReport.nme['outer-eye-corners'])} | - |`,
  `| ground truth, 2 passes | ${test.length} | - | - | ${pct(gtRefined.nme['eye-centroid'])} | ${pct(gtRefined.nme['outer-eye-corners'])} | - |`,
];
const written: Record<string, unknown> = {};
const report: Record<string, unknown> = { gt: gtReport.nme, gtTwoPasses: gtRefined.nme };

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

  // Test: recall after mapping, speed, NME with the matched detector boxes
  const detected = await detectAll(detector, test);
  const matched = detected.map((d) => match(d, mapping, MATCH_IOU));
  const found = test.filter((_, k) => matched[k] !== undefined);
  const foundBoxes = matched.flatMap((m) =>
    m === undefined ? [] : [mapDetectorBox(m.box, mapping)],
  );
  const foundNames = found.map((f) => f.name);
  const foundTruths = found.map((f) => f.points);
  const det = evaluate(
    await alignFaces(aligner, found, foundBoxes, false),
    foundTruths,
    IBUG68,
    { names: foundNames },
  );
  const det2 = evaluate(
    await alignFaces(aligner, found, foundBoxes, true),
    foundTruths,
    IBUG68,
    { names: foundNames },
  );
  const same = evaluate(
    await alignFaces(
      aligner,
      found,
      found.map((f) => f.box),
      false,
    ),
    foundTruths,
    IBUG68,
    { names: foundNames },
  );
  const ms = median(detected.map((d) => d.ms));
  const recall = found.length / test.length;
  for (const [label, r] of [
    ['', det],
    [', 2 passes', det2],
  ] as const) {
    lines.push(
      `| ${detector.name}${label} | ${found.length} | ${pct(recall)} % | ${ms.toFixed(1)} | ` +
        `${pct(r.nme['eye-centroid'])} | ${pct(r.nme['outer-eye-corners'])} | ${pct(same.nme['eye-centroid'])} |`,
    );
  }
  report[model] = {
    mapping,
    pairs: pairs.length,
    recall,
    msPerPhoto: ms,
    nme: det.nme,
    nmeTwoPasses: det2.nme,
    nmeSameFacesGt: same.nme,
  };
  await detector.dispose();
}
await aligner.dispose();

console.log(lines.join('\n'));
for (const model of models)
  console.log(model, JSON.stringify((written[model] as { mapping: BoxMapping }).mapping));
if (values.write) {
  const path = 'src/detection/box-mappings.json';
  const previous = Object.fromEntries(
    (['blazeface', 'tiny', 'ssd'] as const).map((m) => [
      m,
      { mapping: learnedBoxMapping(m) },
    ]),
  );
  await writeJsonFile(path, { ...previous, ...written });
  console.log(`wrote ${path}`);
}
if (values.report !== undefined)
  await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
