/**
 * Writes the golden landmarks of test/inference/golden.test.ts: two 300-W test
 * photos aligned with the shipped model, once in their ground-truth boxes and once
 * through the detector. Run it again whenever models/dmcl-68.onnx changes:
 *
 *   npx tsx scripts/make-golden.ts [--data ../shared/data/300w/test]
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { parsePts } from '../src/data/pts.js';
import { boxFromPoints } from '../src/geometry/box.js';
import { DEFAULT_MODEL_PATH, loadAligner } from '../src/inference/node.js';
import { writeJsonFile } from './write-json.js';

/** The photos of the golden test. */
const GOLDEN_PHOTOS = ['lfpw-test_image_0001', 'lfpw-test_image_0042'];

const { values } = parseArgs({
  options: { data: { type: 'string', default: '../shared/data/300w/test' } },
});
const round = (values: Iterable<number>): number[] =>
  Array.from(values, (v) => Math.round(v * 1e4) / 1e4);

const model = await readFile(DEFAULT_MODEL_PATH);
const aligner = await loadAligner(model, { threads: 1 });
const photos = [];
for (const name of GOLDEN_PHOTOS) {
  const image = join(values.data, `${name}.jpg`);
  const pts = join(values.data, `${name}.pts`);
  const box = boxFromPoints(parsePts(await readFile(pts, 'utf8'), pts, 68));

  // Ground-truth box, then the detector's first face
  const [given] = await aligner.align(image, { boxes: [box] });
  const [detected] = await aligner.align(image);
  if (given === undefined || detected?.detection === undefined) {
    throw new Error(`${image}: expected a face in the box and a detected face`);
  }
  photos.push({
    name,
    box,
    landmarks: round(given.landmarks),
    detected: {
      detectorBox: detected.detection.box,
      box: detected.box,
      landmarks: round(detected.landmarks),
    },
  });
}
await aligner.dispose();

const golden = {
  note: 'written by scripts/make-golden.ts; 1-based photo pixels',
  modelSha256: createHash('sha256').update(model).digest('hex'),
  photos,
};
const out = 'test/inference/golden.json';
await writeJsonFile(out, golden);
console.log(`wrote ${out} for model ${golden.modelSha256.slice(0, 12)}`);
