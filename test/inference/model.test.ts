import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ModelFormatError } from '../../src/errors.js';
import { readModelInfo } from '../../src/inference/model-info.js';
import { DEFAULT_MODEL_PATH, loadAligner } from '../../src/inference/node.js';
import { readOnnxMetadata } from '../../src/inference/onnx-metadata.js';
import { dmclDefinition } from '../../src/model/definition.js';
import { buildForwardGraph } from '../../src/model/graphs/forward.js';
import { initParameters } from '../../src/model/parameters.js';
import { IBUG68, schemeToJson, validateScheme } from '../../src/scheme/scheme.js';
import { exportOnnx } from '../../src/training/run.js';

/** A small real DMCL graph (16 last channels) with the given metadata. */
function smallModel(numPoints: number, metadata: Record<string, string>): Uint8Array {
  const def = dmclDefinition(numPoints, { lastChannels: 16 });
  return buildForwardGraph(def, { embed: initParameters(def), metadata });
}

const FIVE = validateScheme(
  {
    name: 'five',
    numPoints: 5,
    flipPairs: [
      [0, 1],
      [3, 4],
    ],
  },
  'five points',
);

function goodMetadata(): Record<string, string> {
  return {
    format: 'dmcl-model',
    formatVersion: '1',
    scheme: JSON.stringify(schemeToJson(IBUG68)),
    inputSize: '50',
    enlarge: '1.1',
    numPoints: '68',
  };
}

describe('model metadata', () => {
  it('reads the shipped model self-description', async () => {
    const aligner = await loadAligner(undefined, { detector: false, threads: 1 });
    expect(aligner.info.formatVersion).toBe('1');
    expect(aligner.info.inputSize).toBe(50);
    expect(aligner.info.enlarge).toBeCloseTo(1.1, 12);
    expect(aligner.scheme.name).toBe('ibug68');
    expect(aligner.scheme.numPoints).toBe(68);
    expect(aligner.info.metadata.format).toBe('dmcl-model');
    await aligner.dispose();
  });

  it('reads metadata written by the training export, and every key of a built graph', () => {
    const def = dmclDefinition(68, { lastChannels: 16 });
    const bytes = exportOnnx(def, initParameters(def), IBUG68);
    const info = readModelInfo(bytes, 'export', IBUG68);
    expect(info.numPoints).toBe(68);
    expect(info.scheme).toEqual(IBUG68);

    const props = readOnnxMetadata(smallModel(68, { a: 'x', ü: 'é ✓', empty: '' }), 'm');
    expect(props).toEqual({ a: 'x', ü: 'é ✓', empty: '' });
  });

  it('loads a model from a buffer and from a path', async () => {
    const bytes = smallModel(68, goodMetadata());
    const fromBuffer = await loadAligner(bytes, { detector: false });
    expect(fromBuffer.info.numPoints).toBe(68);
    await fromBuffer.dispose();

    const dir = await mkdtemp(join(tmpdir(), 'dmcl-model-'));
    const path = join(dir, 'small.onnx');
    await writeFile(path, bytes);
    const fromPath = await loadAligner(path, { detector: false });
    expect(fromPath.info.inputSize).toBe(50);
    await fromPath.dispose();
  });

  it('refuses another format version, naming what it expected and found', async () => {
    const bytes = smallModel(68, { ...goodMetadata(), formatVersion: '2' });
    const error = await loadAligner(bytes, { detector: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(
      /model buffer: expected formatVersion 1, found "2"/,
    );
  });

  it('refuses a plain ONNX model and one of another scheme', async () => {
    const plain = smallModel(68, {});
    await expect(loadAligner(plain, { detector: false })).rejects.toThrow(
      /expected an ONNX model with metadata format "dmcl-model", found no format property/,
    );

    const five = smallModel(5, {
      ...goodMetadata(),
      scheme: JSON.stringify(schemeToJson(FIVE)),
      numPoints: '5',
    });
    await expect(loadAligner(five, { detector: false })).rejects.toThrow(
      /expected a model of the ibug68 \(68 points\) scheme, found five \(5 points\)/,
    );

    // Asked for that scheme, the same file loads and predicts 5 points
    const aligner = await loadAligner(five, { detector: false, scheme: FIVE });
    const grey = { width: 60, height: 60, data: new Uint8Array(3600).fill(90) };
    const box = { left: 10, right: 50, top: 10, bottom: 50 };
    const [points] = await aligner.alignGrey(grey, [box]);
    expect(points).toHaveLength(10);
    await aligner.dispose();
  });

  it('refuses damaged bytes and a missing file, naming the file', async () => {
    const bytes = smallModel(68, goodMetadata());
    expect(() => readModelInfo(bytes.subarray(0, bytes.length - 3), 'cut.onnx')).toThrow(
      /cut\.onnx: expected an ONNX model \(protobuf\), /,
    );
    expect(() => readModelInfo(new Uint8Array([0x0f, 0xff]), 'junk')).toThrow(
      ModelFormatError,
    );

    const missing = join(tmpdir(), 'no-such-dmcl-model.onnx');
    await expect(loadAligner(missing)).rejects.toThrow(
      new RegExp(
        `${missing}: expected a DMCL .onnx model file, cannot read it \\(ENOENT\\)`,
      ),
    );
    expect(DEFAULT_MODEL_PATH).toMatch(/models\/dmcl-68\.onnx$/);
  });

  it('refuses metadata that contradicts itself', () => {
    const bad = smallModel(68, { ...goodMetadata(), numPoints: '29' });
    expect(() => readModelInfo(bad, 'm.onnx')).toThrow(
      /m\.onnx: expected numPoints to match the scheme, found numPoints 29 but scheme ibug68/,
    );
    const size = smallModel(68, { ...goodMetadata(), inputSize: 'fifty' });
    expect(() => readModelInfo(size, 'm.onnx')).toThrow(
      /expected metadata inputSize to be a positive number, found "fifty"/,
    );
  });
});
