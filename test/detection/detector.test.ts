import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadDataset, type FaceRecord } from '../../src/data/dataset.js';
import { blazeFaceConfig, toRgb } from '../../src/detection/human.js';
import { learnedBoxMapping } from '../../src/detection/mappings.js';
import { createNodeFaceDetector } from '../../src/detection/node.js';
import { ConfigError } from '../../src/errors.js';
import { boxFromPoints, type Box } from '../../src/geometry/box.js';
import { readImage, toGrey } from '../../src/image/image.js';
import type { FaceDetection, FaceDetector } from '../../src/inference/aligner.js';
import { boxIou, mapDetectorBox } from '../../src/inference/boxes.js';
import { loadAligner } from '../../src/inference/node.js';
import { IBUG68 } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';

let detector: FaceDetector;
let faces: FaceRecord[];

beforeAll(async () => {
  detector = await createNodeFaceDetector();
  faces = (await loadDataset(`${DATA}/300w/test`, { scheme: IBUG68 })).slice(10, 14);
});

afterAll(async () => {
  await detector.dispose();
});

describe('BlazeFace detector', () => {
  it('finds the annotated face; mapped, its box overlaps the tight box', async () => {
    for (const face of faces) {
      const found = await detector.detect(await readImage(face.imagePath));
      expect(found.length).toBeGreaterThan(0);
      const scores = found.map((f) => f.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.5);
      const ious = found.map((f) =>
        boxIou(mapDetectorBox(f.box, detector.boxMapping), face.box),
      );
      expect(Math.max(...ious)).toBeGreaterThan(0.5);
    }
  });

  it('uses a mapping learned on training photos, not the identity', () => {
    const m = learnedBoxMapping('blazeface');
    expect(detector.boxMapping).toEqual(m);
    // BlazeFace boxes are enlarged squares: the tight landmark box is smaller
    expect(m.sx).toBeLessThan(0.9);
    expect(m.sy).toBeLessThan(0.9);
  });

  it('finds no face in a flat grey or a noise photo, and the aligner returns []', async () => {
    const flat = {
      data: new Uint8Array(200 * 160).fill(128),
      width: 200,
      height: 160,
      channels: 1 as const,
    };
    let seed = 7;
    const noise = new Uint8Array(200 * 160 * 4).map(() => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % 256;
    });
    expect(await detector.detect(flat)).toEqual([]);
    expect(await detector.detect({ data: noise, width: 200, height: 160 })).toEqual([]);

    const aligner = await loadAligner(undefined, { detector });
    expect(await aligner.align(flat)).toEqual([]);
    expect(await aligner.alignBatch([flat, flat])).toEqual([[], []]);
  });

  it('aligns detected faces twice by default, once when asked', async () => {
    const face = faces[0] as FaceRecord;
    const once = await loadAligner(undefined, { detector, refineDetected: false });
    const twice = await loadAligner(undefined, { detector });
    const [first] = await once.align(face.imagePath);
    const [second] = await twice.align(face.imagePath);
    const detection = first?.detection as FaceDetection;
    expect(first?.box).toEqual(mapDetectorBox(detection.box, detector.boxMapping));
    expect(second?.detection).toEqual(detection);

    // The second pass crops at the first pass's landmark box, and says so
    expect(second?.box).toEqual(boxFromPoints(first?.landmarks as Float64Array));
    const grey = toGrey(await readImage(face.imagePath));
    const [again] = await once.alignGrey(grey, [second?.box as Box]);
    expect(Array.from(again ?? [])).toEqual(Array.from(second?.landmarks ?? []));
  });

  it('refuses settings out of range', () => {
    expect(() => blazeFaceConfig({ minScore: 2 })).toThrow(
      new ConfigError('detector minScore: expected a number in 0..1, found 2'),
    );
    expect(() => blazeFaceConfig({ maxFaces: 0 })).toThrow(
      /maxFaces: expected a positive integer, found 0/,
    );
  });

  it('turns grey and RGBA pixels into RGB', () => {
    const grey = toRgb({
      data: new Uint8Array([5, 9]),
      width: 2,
      height: 1,
      channels: 1,
    });
    expect(Array.from(grey)).toEqual([5, 5, 5, 9, 9, 9]);
    const rgba = toRgb({
      data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      width: 1,
      height: 2,
    });
    expect(Array.from(rgba)).toEqual([1, 2, 3, 5, 6, 7]);
  });
});
