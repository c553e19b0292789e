/**
 * A whole training run on a few real faces: every stage runs, the model is exported,
 * and a run stopped after an epoch resumes to exactly the same parameters.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { decodeParameterFile } from '../../src/model/parameter-file.js';
import { defaultTrainConfig, type TrainConfig } from '../../src/training/config.js';
import { continueRun, startRun } from '../../src/training/run.js';

const DATA = '/work/shared/data/300w/train';

async function smallConfig(dir: string): Promise<TrainConfig> {
  // 48 real training faces through a list file.
  const names = (await readdir(DATA))
    .filter((f) => f.endsWith('.pts'))
    .sort()
    .slice(0, 48);
  const list = join(dir, 'faces.txt');
  await writeFile(list, names.map((n) => join(DATA, n)).join('\n'));

  const config = defaultTrainConfig(list);
  config.batch = 8;
  config.threads = 1;
  config.lastChannels = 16;
  config.worker = false;
  config.validationFraction = 0.2;
  for (const phase of [
    'pretrain',
    'weightingFrozen',
    'weightingJoint',
    'multiCenterFrozen',
    'multiCenterJoint',
  ] as const) {
    config[phase].epochs = 1;
  }
  config.pretrain.epochs = 2;
  return config;
}

describe('training run', () => {
  it('runs every stage, exports an ONNX model and resumes exactly', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dmcl-run-'));
    const config = await smallConfig(root);

    // Straight through.
    const straight = join(root, 'straight');
    const summary = await startRun(straight, config);
    expect(existsSync(summary.onnxPath)).toBe(true);
    for (const file of ['config.json', 'state.json', 'log.txt', 'metrics.jsonl']) {
      expect(existsSync(join(straight, file)), file).toBe(true);
    }
    expect(existsSync(join(straight, 'curves-nme.png'))).toBe(true);
    const lines = (await readFile(join(straight, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(lines.length).toBe(6);

    // The exported model runs and gives 68 points per face.
    const session = await ort.InferenceSession.create(await readFile(summary.onnxPath));
    const input = new ort.Tensor('float32', new Float32Array(2 * 2500), [2, 1, 50, 50]);
    expect((await session.run({ input })).landmarks?.dims).toEqual([2, 136]);
    await session.release();

    // Stopped after the first epoch (a crash in a callback), then resumed.
    const stopped = join(root, 'stopped');
    await expect(
      startRun(stopped, config, {
        onEpoch: () => {
          throw new Error('simulated crash');
        },
      }),
    ).rejects.toThrow('simulated crash');
    await continueRun(stopped);

    const a = decodeParameterFile(
      await readFile(join(straight, 'pretrain', 'last.dmcl')),
      'a',
    );
    const b = decodeParameterFile(
      await readFile(join(stopped, 'pretrain', 'last.dmcl')),
      'b',
    );
    expect(b.metadata.epoch).toBe(2);
    for (const [name, values] of a.parameters) {
      expect(b.parameters.get(name), name).toEqual(values);
    }
  });

  it('refuses to start over an existing run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dmcl-run-'));
    const config = await smallConfig(root);
    await writeFile(join(root, 'config.json'), '{}');
    await expect(startRun(root, config)).rejects.toThrow(/already holds a run/);
  });
});
