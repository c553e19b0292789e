import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadDataset, type FaceRecord } from '../../src/data/dataset.js';
import { ConfigError, DataFormatError, InvalidInputError } from '../../src/errors.js';
import { cropToPhoto, cropTransform } from '../../src/geometry/crop.js';
import { cropGrey } from '../../src/image/crop-grey.js';
import { readGrey } from '../../src/image/image.js';
import { Aligner } from '../../src/inference/aligner.js';
import { DEFAULT_MODEL_PATH, loadAligner } from '../../src/inference/node.js';
import { IBUG68 } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const TEST = `${DATA}/300w/test`;

let aligner: Aligner;
let faces: FaceRecord[];

beforeAll(async () => {
  aligner = await loadAligner(undefined, { detector: false, threads: 1 });
  faces = (await loadDataset(TEST, { scheme: IBUG68 })).slice(0, 4);
});

afterAll(async () => {
  await aligner.dispose();
});

describe('Aligner', () => {
  it('gives what a plain session gives on the crop, mapped back to the photo', async () => {
    const face = faces[0] as FaceRecord;
    const [aligned] = await aligner.align(face.imagePath, { boxes: [face.box] });
    expect(aligned?.box).toEqual(face.box);
    expect(aligned?.detection).toBeUndefined();

    // The reference: crop, one session call, crop pixels back to photo pixels
    const session = await ort.InferenceSession.create(await readFile(DEFAULT_MODEL_PATH));
    const t = cropTransform(face.box, { size: 50 });
    const input = cropGrey(await readGrey(face.imagePath), t);
    const out = await session.run({
      input: new ort.Tensor('float32', input, [1, 1, 50, 50]),
    });
    const expected = cropToPhoto(
      Float64Array.from(out.landmarks?.data as Float32Array),
      t,
    );
    await session.release();

    expect(aligned?.transform).toEqual(t);
    expect(aligned?.landmarks).toHaveLength(136);
    for (let i = 0; i < 136; i++) {
      expect(aligned?.landmarks[i]).toBeCloseTo(expected[i] as number, 3);
    }
  });

  it('gives the same points for a photo alone and within a batch', async () => {
    const batch = await aligner.alignBatch(
      faces.map((f) => f.imagePath),
      { boxes: faces.map((f) => [f.box, f.box]) },
    );
    expect(batch).toHaveLength(faces.length);
    for (const [k, face] of faces.entries()) {
      const [alone] = await aligner.align(face.imagePath, { boxes: [face.box] });
      expect(batch[k]).toHaveLength(2);
      for (const got of batch[k] ?? []) {
        const diff = got.landmarks.map((v, i) =>
          Math.abs(v - (alone?.landmarks[i] as number)),
        );
        expect(Math.max(...diff)).toBeLessThan(1e-3);
      }
    }

    // A batch larger than maxBatch is split, with the same result
    const small = await loadAligner(undefined, {
      detector: false,
      maxBatch: 3,
      threads: 1,
    });
    const split = await small.alignBatch(
      faces.map((f) => f.imagePath),
      { boxes: faces.map((f) => [f.box, f.box]) },
    );
    await small.dispose();
    const flat = (r: typeof batch): number[] => r.flat().flatMap((f) => [...f.landmarks]);
    const diffs = flat(split).map((v, i) => Math.abs(v - (flat(batch)[i] as number)));
    expect(Math.max(...diffs)).toBeLessThan(1e-3);
  });

  it('takes encoded bytes, RGBA pixels (as ImageData) and grey pixels alike', async () => {
    const face = faces[1] as FaceRecord;
    const boxes = [face.box];
    const [fromPath] = await aligner.align(face.imagePath, { boxes });
    const [fromBytes] = await aligner.align(await readFile(face.imagePath), { boxes });

    const rgba = await sharp(face.imagePath)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height } = rgba.info;
    const data = new Uint8ClampedArray(rgba.data);
    const [fromRgba] = await aligner.align({ data, width, height }, { boxes });
    const grey = await readGrey(face.imagePath);
    const greyPixels = {
      data: grey.data as Uint8Array,
      width,
      height,
      channels: 1 as const,
    };
    const [fromGrey] = await aligner.align(greyPixels, { boxes });

    for (const other of [fromBytes, fromRgba, fromGrey]) {
      expect(Array.from(other?.landmarks ?? [])).toEqual(
        Array.from(fromPath?.landmarks ?? []),
      );
    }
  });

  it('returns empty arrays for no boxes and no photos', async () => {
    const face = faces[0] as FaceRecord;
    expect(await aligner.align(face.imagePath, { boxes: [] })).toEqual([]);
    expect(await aligner.alignBatch([])).toEqual([]);
  });

  it('refuses bad input with what it expected and what it found', async () => {
    const face = faces[0] as FaceRecord;
    const pixels = { data: new Uint8Array(10 * 10 * 4 - 1), width: 10, height: 10 };
    const box = { left: 2, right: 8, top: 2, bottom: 8 };
    await expect(aligner.align(pixels, { boxes: [box] })).rejects.toThrow(
      new InvalidInputError('images[0]: expected 400 bytes (10x10x4), found 399'),
    );

    const zero = { left: 50, right: 50, top: 40, bottom: 90 };
    await expect(aligner.align(face.imagePath, { boxes: [zero] })).rejects.toThrow(
      /boxes\[0\]: expected a box with right > left and bottom > top, found left 50, right 50/,
    );
    const outside = { left: 900, right: 1000, top: 10, bottom: 90 };
    await expect(aligner.align(face.imagePath, { boxes: [outside] })).rejects.toThrow(
      /expected a box overlapping the \d+x\d+ photo .*, found left 900, right 1000/,
    );
    const nan = { left: Number.NaN, right: 10, top: 1, bottom: 10 };
    await expect(aligner.align(face.imagePath, { boxes: [nan] })).rejects.toThrow(
      /boxes\[0\]: box\.left: expected a finite number, found null/,
    );

    const missing = join(TEST, 'no-such-photo.jpg');
    const error = await aligner.align(missing, { boxes: [box] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toMatch(
      /no-such-photo\.jpg: expected an image file, found none/,
    );
    await expect(
      aligner.align(new Uint8Array([1, 2, 3]), { boxes: [box] }),
    ).rejects.toThrow(/images\[0\]: expected an image sharp can decode/);

    await expect(aligner.alignBatch([face.imagePath], { boxes: [] })).rejects.toThrow(
      /expected one boxes entry per photo \(1\), found 0/,
    );
  });

  it('needs boxes when it has no detector, and refuses use after dispose', async () => {
    const face = faces[0] as FaceRecord;
    await expect(aligner.align(face.imagePath)).rejects.toThrow(ConfigError);

    const other = await loadAligner(undefined, { detector: false });
    await other.dispose();
    await other.dispose();
    await expect(other.align(face.imagePath, { boxes: [face.box] })).rejects.toThrow(
      /expected an open aligner, found one already disposed/,
    );
  });
});
