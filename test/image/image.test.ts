import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { DataFormatError } from '../../src/errors.js';
import {
  readGrey,
  readImage,
  readImageSize,
  toGrey,
  writeGrey,
} from '../../src/image/image.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';
const PHOTO = `${DATA}/300w/test/lfpw-test_image_0001.jpg`;

describe('readImage', () => {
  it('decodes a 300-W photo to RGB with the header size', async () => {
    const image = await readImage(PHOTO);
    const meta = await sharp(PHOTO).metadata();
    expect([image.width, image.height, image.channels]).toEqual([
      meta.width,
      meta.height,
      3,
    ]);
    expect(image.data.length).toBe(image.width * image.height * 3);
    expect(await readImageSize(PHOTO)).toEqual({
      width: image.width,
      height: image.height,
    });
  });

  it('reads encoded bytes too', async () => {
    const fromBytes = await readImage(await readFile(PHOTO));
    const fromPath = await readImage(PHOTO);
    expect(Buffer.from(fromBytes.data).equals(Buffer.from(fromPath.data))).toBe(true);
  });

  it('names a missing file', async () => {
    const missing = join(tmpdir(), 'dmcl-no-such-photo.jpg');
    await expect(readImage(missing)).rejects.toThrow(DataFormatError);
    await expect(readImage(missing)).rejects.toThrow(
      `${missing}: expected an image file, found none (ENOENT)`,
    );
  });

  it('names a corrupt or truncated file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-image-'));
    const garbage = join(dir, 'garbage.jpg');
    await writeFile(garbage, 'not an image at all');
    await expect(readImage(garbage)).rejects.toThrow(
      /garbage\.jpg: expected an image sharp can decode/,
    );
    const bytes = await readFile(PHOTO);
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    await expect(readImage(truncated)).rejects.toThrow(
      /truncated\.jpg: expected an image/,
    );
    await expect(readImage(Buffer.from('xx'), 'upload')).rejects.toThrow(/^upload: /);
  });
});

describe('toGrey', () => {
  it('weighs 0.299 R + 0.587 G + 0.114 B and rounds', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const grey = toGrey({ width: 2, height: 2, channels: 3, data: rgb });
    // 76.245 -> 76, 149.685 -> 150, 29.07 -> 29, 2.99 + 11.74 + 3.42 = 18.15 -> 18
    expect(Array.from(grey.data)).toEqual([76, 150, 29, 18]);
  });

  it('ignores alpha and copies grey input', () => {
    const rgba = Uint8Array.from([255, 0, 0, 7, 0, 0, 255, 200]);
    expect(
      Array.from(toGrey({ width: 2, height: 1, channels: 4, data: rgba }).data),
    ).toEqual([76, 29]);
    const ga = Uint8Array.from([5, 1, 9, 1]);
    expect(
      Array.from(toGrey({ width: 2, height: 1, channels: 2, data: ga }).data),
    ).toEqual([5, 9]);
  });

  it('readGrey matches toGrey of readImage on a real photo', async () => {
    const grey = await readGrey(PHOTO);
    const again = toGrey(await readImage(PHOTO));
    expect(grey.width).toBe(again.width);
    expect(
      Buffer.from(grey.data as Uint8Array).equals(Buffer.from(again.data as Uint8Array)),
    ).toBe(true);
  });
});

describe('writeGrey', () => {
  it('writes a PNG that reads back exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-image-'));
    const image = {
      width: 3,
      height: 2,
      data: Float32Array.from([0, 10.4, 300, -5, 128, 255]),
    };
    const path = join(dir, 'g.png');
    await writeGrey(image, path);
    const back = await readGrey(path);
    expect(Array.from(back.data)).toEqual([0, 10, 255, 0, 128, 255]);
    await expect(writeGrey(image, join(dir, 'g.gif'))).rejects.toThrow(
      /expected a \.png, \.jpg/,
    );
  });
});
