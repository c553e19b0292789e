/**
 * `dmcl train`: the four DMCL stages (method.md section 5) in a resumable run folder.
 */
import { readFile } from 'node:fs/promises';

import {
  defaultTrainConfig,
  PHASES,
  validateTrainConfig,
  type TrainConfig,
} from '../../training/config.js';
import { continueRun, startRun, type TrainCallbacks } from '../../training/run.js';
import {
  note,
  numberOption,
  out,
  parseCommandArgs,
  UsageError,
  type Command,
} from '../command.js';
import { createProgressBar, type ProgressBar } from '../progress.js';

const usage = `Usage: dmcl train --data PATH --run DIR [options]
       dmcl train --resume DIR

Trains a DMCL model in four stages: pre-training, weighting fine-tuning (first six
convs frozen, then all), multi-center fine-tuning (one SPL per landmark cluster;
frozen-trunk and joint variants) and assembling, which writes DIR/final/model.onnx.
Every epoch ends with a checkpoint: stop it any time (Ctrl-C) and continue with
--resume. The best checkpoint of each stage is chosen on a validation split carved
out of the training data. DIR holds config.json, state.json, log.txt,
metrics.jsonl, curves-*.svg/png and one folder per stage.

Options:
  --data PATH       training faces: a 300-W style folder, list file or manifest
  --run DIR         new run folder (refused if it already holds a run)
  --resume DIR      continue the run in DIR from its last checkpoint
  --config FILE     JSON with settings that override the defaults (see
                    src/training/config.ts; e.g. {"pretrain": {"epochs": 60}})
  --scheme NAME     ibug68 (default) or a scheme JSON file
  --threads N       ONNX Runtime threads (default 2)
  --batch N         faces per step (default 64)
  --max-steps N     stop every stage after N steps (smoke tests)
  --no-worker       prepare batches on the main thread
  --print-config    print the resolved config as JSON and exit
  -h, --help        show this help

Exit status: 0 finished, 1 failed, 2 usage.`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a DMCL model on a 300-W style dataset (resumable)',
  usage,
  run,
};

async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('train', argv, {
    data: { type: 'string' },
    run: { type: 'string' },
    resume: { type: 'string' },
    config: { type: 'string' },
    scheme: { type: 'string' },
    threads: { type: 'string' },
    batch: { type: 'string' },
    'max-steps': { type: 'string' },
    'no-worker': { type: 'boolean', default: false },
    'print-config': { type: 'boolean', default: false },
  });
  const callbacks = progressCallbacks();

  // Resume: everything comes from the run folder.
  if (values.resume !== undefined) {
    if (values.run !== undefined || values.data !== undefined) {
      throw new UsageError(
        '--resume takes its settings from the run folder; drop --run/--data',
      );
    }
    const summary = await continueRun(values.resume, callbacks);
    out(`model: ${summary.onnxPath} (${summary.chosen}, assembled)`);
    return 0;
  }

  // A new run: defaults, then the config file, then flags.
  if (values.data === undefined)
    throw new UsageError('expected --data PATH (or --resume DIR)');
  let config: TrainConfig = defaultTrainConfig(values.data);
  if (values.config !== undefined) {
    const overrides = JSON.parse(
      await readFile(values.config, 'utf8'),
    ) as Partial<TrainConfig>;
    config = mergeConfig(config, overrides);
  }
  if (values.scheme !== undefined) config.scheme = values.scheme;
  config.threads = numberOption('threads', values.threads, config.threads, 1, 64);
  config.batch = numberOption('batch', values.batch, config.batch, 2, 4096);
  if (values['max-steps'] !== undefined) {
    config.maxStepsPerPhase = numberOption('max-steps', values['max-steps'], 1, 1);
  }
  if (values['no-worker']) config.worker = false;
  validateTrainConfig(config, values.config ?? 'flags');
  if (values['print-config']) {
    out(JSON.stringify(config, null, 2));
    return 0;
  }
  if (values.run === undefined)
    throw new UsageError('expected --run DIR for the new run');

  const summary = await startRun(values.run, config, callbacks);
  out(`model: ${summary.onnxPath} (${summary.chosen}, assembled)`);
  return 0;
}

/** Defaults overridden field by field (phases and augmentation merged one level deep). */
function mergeConfig(base: TrainConfig, overrides: Partial<TrainConfig>): TrainConfig {
  const merged = { ...base, ...overrides } as TrainConfig;
  for (const phase of PHASES) merged[phase] = { ...base[phase], ...overrides[phase] };
  merged.augment = { ...base.augment, ...overrides.augment };
  return merged;
}

/** A progress bar per epoch, and the log on stderr. */
function progressCallbacks(): TrainCallbacks {
  let bar: ProgressBar | undefined;
  let key = '';
  return {
    onLog: (line) => {
      bar?.done();
      bar = undefined;
      note(line);
    },
    onStep: (s) => {
      const label = `${s.phase} ${s.epoch + 1}/${s.epochs}`;
      if (label !== key) {
        bar?.done();
        bar = createProgressBar({ total: s.steps, label });
        key = label;
      }
      bar?.update(s.step);
    },
  };
}
