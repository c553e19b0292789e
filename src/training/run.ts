/**
 * The DMCL training run (method.md section 5) in a run folder:
 *
 *   config.json    every setting        state.json    where the run stands
 *   metrics.jsonl  one line per epoch   log.txt       what happened, with times
 *   <phase>/last.dmcl, <phase>/best.dmcl  checkpoints (parameters, optimiser state)
 *   curves.svg / curves.png              training loss and validation NME
 *   final/model.dmcl, final/model.onnx   the assembled model
 *
 * Every epoch ends with a checkpoint, so a stopped run loses at most one epoch and
 * `resume` continues with exactly the batches it would have seen.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadDataset } from '../data/dataset.js';
import { Trainer, type OptimizerState } from '../engine/trainer.js';
import { ConfigError } from '../errors.js';
import { evaluate } from '../evaluation/evaluate.js';
import { photoToCrop, cropTransform } from '../geometry/crop.js';
import { dmclDefinition, type ModelDefinition } from '../model/definition.js';
import { buildForwardGraph } from '../model/graphs/forward.js';
import { decodeParameterFile, encodeParameterFile } from '../model/parameter-file.js';
import { initParameters, type Parameters } from '../model/parameters.js';
import { lineChartSvg } from '../plot/line-chart.js';
import { writeSvgAndPng } from '../plot/svg-png.js';
import { schemeToJson, type NormaliserName, type Scheme } from '../scheme/scheme.js';
import { resolveScheme } from '../scheme/load.js';
import {
  assembleHeads,
  clusterOfLandmark,
  multiCenterWeights,
  replicateHead,
  weightsFromErrors,
} from './assemble.js';
import { shuffled, type SampleSet } from './batches.js';
import {
  cosineLr,
  PHASES,
  validateTrainConfig,
  type PhaseName,
  type TrainConfig,
} from './config.js';
import { ForwardRunner } from './predict.js';
import { createBatchSource, loadSamples, splitRecords } from './samples.js';

/** Format version of the exported inference model's metadata. */
export const MODEL_FORMAT_VERSION = '1';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  phase: PhaseName;
  epoch: number;
  epochs: number;
  lr: number;
  trainLoss: number;
  validation: Partial<Record<NormaliserName, number>>;
  facesPerSecond: number;
  seconds: number;
  best: boolean;
}

/** Where a run stands; written after every epoch. */
interface RunState {
  phase: number;
  epoch: number;
  landmarkWeights?: number[];
  best: Partial<Record<PhaseName, { epoch: number; nme: number }>>;
  done: boolean;
}

/** Progress reports of a run; the library never prints. */
export interface TrainCallbacks {
  /** A line for the log (also written to log.txt). */
  onLog?: (line: string) => void;
  /** After every step. */
  onStep?: (info: {
    phase: PhaseName;
    epoch: number;
    epochs: number;
    step: number;
    steps: number;
    loss: number;
  }) => void;
  /** After every epoch. */
  onEpoch?: (metrics: EpochMetrics) => void;
}

/** The result of a finished run. */
export interface RunSummary {
  runDir: string;
  chosen: PhaseName;
  validation: Partial<Record<PhaseName, Partial<Record<NormaliserName, number>>>>;
  modelPath: string;
  onnxPath: string;
}

/** Starts a new run in `runDir`; refuses a folder that already holds a run. */
export async function startRun(
  runDir: string,
  config: TrainConfig,
  callbacks: TrainCallbacks = {},
): Promise<RunSummary> {
  validateTrainConfig(config, 'config');
  if (existsSync(join(runDir, 'config.json'))) {
    throw new ConfigError(
      `${runDir}: already holds a run (config.json exists); resume it or choose another folder`,
    );
  }
  await mkdir(runDir, { recursive: true });
  await writeJson(join(runDir, 'config.json'), config);
  const state: RunState = { phase: 0, epoch: 0, best: {}, done: false };
  await writeJson(join(runDir, 'state.json'), state);
  return continueRun(runDir, callbacks);
}

/** Continues the run in `runDir` from its last checkpoint. */
export async function continueRun(
  runDir: string,
  callbacks: TrainCallbacks = {},
): Promise<RunSummary> {
  const config = validateTrainConfig(
    JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8')) as TrainConfig,
    join(runDir, 'config.json'),
  );
  const state = JSON.parse(
    await readFile(join(runDir, 'state.json'), 'utf8'),
  ) as RunState;
  const run = new Run(runDir, config, state, callbacks);
  return run.execute();
}

class Run {
  private scheme!: Scheme;
  private train!: SampleSet;
  private validation!: SampleSet;
  private trainRecords: Awaited<ReturnType<typeof loadDataset>> = [];
  private validationTruth: Float64Array[] = [];

  constructor(
    private readonly dir: string,
    private readonly config: TrainConfig,
    private readonly state: RunState,
    private readonly callbacks: TrainCallbacks,
  ) {}

  async execute(): Promise<RunSummary> {
    // Data: records, the split, photos of the validation split in memory.
    const started = Date.now();
    this.scheme = await resolveScheme(this.config.scheme);
    const records = await loadDataset(this.config.data, { scheme: this.scheme });
    const split = splitRecords(records, this.config.validationFraction, this.config.seed);
    this.trainRecords = split.train;
    this.validation = await loadSamples(split.validation);
    this.validationTruth = split.validation.map((r) => r.points);
    this.log(
      `data: ${records.length} faces, ${split.train.length} train, ` +
        `${split.validation.length} validation (${ms(started)})`,
    );

    // Phases in order, from where the state says.
    for (let p = this.state.phase; p < PHASES.length; p++) {
      const name = PHASES[p] as PhaseName;
      await this.runPhase(name, p);
      this.state.phase = p + 1;
      this.state.epoch = 0;
      await this.saveState();
    }
    return this.finish();
  }

  /** Definition, starting parameters and landmark weights of a phase. */
  private async phaseStart(name: PhaseName): Promise<{
    def: ModelDefinition;
    params: Parameters;
    weights: Float32Array;
  }> {
    const n = this.scheme.numPoints;
    const uniform = new Float32Array(2 * n).fill(1);
    const single = dmclDefinition(n, { lastChannels: this.config.lastChannels });

    if (name === 'pretrain' && this.config.init !== undefined) {
      // Continue from an earlier model (e.g. a second round with lighter augmentation).
      const path = this.config.init;
      const file = decodeParameterFile(await readFile(path), path);
      if (file.definition.heads !== 1 || file.definition.numPoints !== n) {
        throw new ConfigError(
          `init ${path}: expected a one-head model of ${n} points, got ` +
            `${file.definition.heads} heads of ${file.definition.numPoints} points`,
        );
      }
      const params = splitOptimizerState(file.parameters).params;
      return { def: file.definition, params, weights: uniform };
    }

    if (name === 'pretrain') {
      // Fresh weights; the SPL bias starts at the mean training shape in the crop.
      const mean = new Float32Array(2 * n);
      for (const r of this.trainRecords) {
        const points = photoToCrop(
          r.points,
          cropTransform(r.box, { size: single.inputSize }),
        );
        points.forEach(
          (v, i) => (mean[i] = (mean[i] as number) + v / this.trainRecords.length),
        );
      }
      const params = initParameters(single, { splBias: mean, seed: this.config.seed });
      return { def: single, params, weights: uniform };
    }

    if (name === 'weightingFrozen' || name === 'weightingJoint') {
      const from = name === 'weightingFrozen' ? 'pretrain' : 'weightingFrozen';
      const params = (await this.loadBest(from)).parameters;
      const u = await this.landmarkWeights(single, params);
      const weights = new Float32Array(2 * n);
      u.forEach((w, j) => weights.fill(w, 2 * j, 2 * j + 2));
      return { def: single, params, weights };
    }

    // Multi-center: m copies of the stage-2 SPL, cluster weights alpha * u.
    const base = (await this.loadBest('weightingJoint')).parameters;
    const u = await this.landmarkWeights(single, base);
    const m = this.scheme.clusters.length;
    const replicated = replicateHead(single, base, m);
    const weights = multiCenterWeights(this.scheme, u, this.config.alpha);
    return { def: replicated.definition, params: replicated.parameters, weights };
  }

  private async runPhase(name: PhaseName, index: number): Promise<void> {
    const phase = this.config[name];
    const phaseDir = join(this.dir, name);
    await mkdir(phaseDir, { recursive: true });
    const start = await this.phaseStart(name);
    const def = start.def;

    // Resume from the phase's last checkpoint when there is one.
    let params = start.params;
    let optimizerState: OptimizerState | undefined;
    let steps = 0;
    const lastPath = join(phaseDir, 'last.dmcl');
    if (this.state.epoch > 0 && existsSync(lastPath)) {
      const last = decodeParameterFile(await readFile(lastPath), lastPath);
      ({ params, optimizerState } = splitOptimizerState(last.parameters));
      steps = Number(last.metadata.steps ?? 0);
      this.log(`${name}: resuming at epoch ${this.state.epoch + 1} from ${lastPath}`);
    } else {
      this.state.epoch = 0;
    }

    // A phase without epochs passes its starting point on as its best.
    if (phase.epochs === 0) {
      await this.saveCheckpoint(
        join(phaseDir, 'best.dmcl'),
        def,
        params,
        {},
        { phase: name },
      );
      return;
    }

    const frozenLayers = Math.min(phase.frozenLayers, def.convs.length);
    const trainer = await Trainer.create(
      def,
      params,
      {
        batch: this.config.batch,
        frozenLayers,
        optimizer: phase.optimizer,
        weightDecay: this.config.weightDecay,
        threads: this.config.threads,
      },
      optimizerState,
    );
    trainer.steps = steps;
    const forward = await ForwardRunner.create(def, this.config.threads);
    const source = await createBatchSource(this.trainRecords, {
      scheme: this.scheme,
      size: def.inputSize,
      worker: this.config.worker,
    });
    const perEpoch = Math.floor(this.trainRecords.length / this.config.batch);
    const totalSteps = perEpoch * phase.epochs;
    this.log(
      `${name}: ${phase.epochs} epochs of ${perEpoch} steps, ${phase.optimizer} lr ${phase.lr}, ` +
        `${frozenLayers} convs frozen, ${def.heads} head(s)`,
    );

    try {
      for (let epoch = this.state.epoch; epoch < phase.epochs; epoch++) {
        const began = Date.now();
        const order = shuffled(
          this.trainRecords.length,
          seedOf(this.config.seed, index, epoch),
        );
        const batchOf = (k: number): Promise<import('../engine/trainer.js').TrainBatch> =>
          source.batch(order.slice(k * this.config.batch, (k + 1) * this.config.batch), {
            augment: this.config.augment,
            seed: seedOf(this.config.seed, index, epoch, k),
          });

        // Steps, with the next batch prepared while this one trains.
        let lossSum = 0;
        let stepsDone = 0;
        let lr = phase.lr;
        let pending = batchOf(0);
        const limit = this.config.maxStepsPerPhase ?? Infinity;
        for (let k = 0; k < perEpoch && trainer.steps < limit; k++) {
          const batch = await pending;
          if (k + 1 < perEpoch) pending = batchOf(k + 1);
          lr = cosineLr(phase, epoch * perEpoch + k, totalSteps);
          const result = await trainer.step(batch, start.weights, lr);
          if (!Number.isFinite(result.loss)) {
            throw new ConfigError(
              `${name}: loss became ${result.loss} at epoch ${epoch + 1}; lower lr`,
            );
          }
          lossSum += result.loss;
          stepsDone += 1;
          this.callbacks.onStep?.({
            phase: name,
            epoch,
            epochs: phase.epochs,
            step: k + 1,
            steps: perEpoch,
            loss: result.loss,
          });
        }
        const seconds = (Date.now() - began) / 1000;

        // Validation NME of the (assembled) model, checkpoints, state.
        const validation = await this.validate(forward, def, trainer.parameters);
        const score = validation[this.config.selectBy] ?? Infinity;
        const previous = this.state.best[name];
        const best = previous === undefined || score < previous.nme;
        const meta = { phase: name, epoch: epoch + 1, steps: trainer.steps };
        await this.saveCheckpoint(lastPath, def, trainer.parameters, trainer.state, meta);
        if (best) {
          await this.saveCheckpoint(
            join(phaseDir, 'best.dmcl'),
            def,
            trainer.parameters,
            {},
            meta,
          );
          this.state.best[name] = { epoch: epoch + 1, nme: score };
        }
        this.state.epoch = epoch + 1;
        await this.saveState();

        const metrics: EpochMetrics = {
          phase: name,
          epoch: epoch + 1,
          epochs: phase.epochs,
          lr,
          trainLoss: lossSum / Math.max(1, stepsDone),
          validation,
          facesPerSecond: (stepsDone * this.config.batch) / Math.max(seconds, 1e-9),
          seconds,
          best,
        };
        await appendFile(join(this.dir, 'metrics.jsonl'), `${JSON.stringify(metrics)}\n`);
        this.callbacks.onEpoch?.(metrics);
        this.log(
          `${name} epoch ${epoch + 1}/${phase.epochs}: loss ${metrics.trainLoss.toFixed(4)}, ` +
            `validation NME ${this.config.selectBy} ${(score * 100).toFixed(2)} %` +
            `${best ? ' (best)' : ''}, ${metrics.facesPerSecond.toFixed(1)} faces/s`,
        );
        await plotRunCurves(this.dir, this.config.selectBy);
        if (trainer.steps >= limit) break;
      }
    } finally {
      await source.close();
      await trainer.dispose();
      await forward.dispose();
    }
  }

  /** Validation NME by normaliser; m-head models are assembled first. */
  private async validate(
    forward: ForwardRunner,
    def: ModelDefinition,
    params: Parameters,
  ): Promise<Partial<Record<NormaliserName, number>>> {
    const predictions = await forward.predict(this.validation, params);
    let chosen = predictions.map((heads) => heads[0] as Float64Array);
    if (def.heads > 1) {
      // Assembled prediction: each landmark from its own cluster's head.
      const owner = clusterOfLandmark(this.scheme);
      chosen = predictions.map((heads) =>
        Float64Array.from(
          owner.flatMap((h, j) => [heads[h]?.[2 * j], heads[h]?.[2 * j + 1]]) as number[],
        ),
      );
    }
    return evaluate(chosen, this.validationTruth, this.scheme).nme;
  }

  /** Per-landmark weights u from the model's measured errors on the training split. */
  private async landmarkWeights(
    def: ModelDefinition,
    params: Parameters,
  ): Promise<number[]> {
    if (this.state.landmarkWeights !== undefined) return this.state.landmarkWeights;
    this.train ??= await loadSamples(this.trainRecords);
    const forward = await ForwardRunner.create(def, this.config.threads);
    const predictions = await forward.predict(this.train, params);
    await forward.dispose();
    const truths = this.trainRecords.map((r) => r.points);
    const report = evaluate(
      predictions.map((h) => h[0] as Float64Array),
      truths,
      this.scheme,
    );
    const normaliser = report.normalisers[0] as NormaliserName;
    const errors = report.perLandmark[normaliser] ?? [];
    const u = weightsFromErrors(errors);
    this.state.landmarkWeights = u;
    await this.saveState();
    this.log(
      `landmark weights from ${normaliser} errors: min ${Math.min(...u).toFixed(2)}, ` +
        `max ${Math.max(...u).toFixed(2)}`,
    );
    return u;
  }

  private async loadBest(
    phase: PhaseName,
  ): Promise<{ definition: ModelDefinition; parameters: Parameters }> {
    const path = join(this.dir, phase, 'best.dmcl');
    const file = decodeParameterFile(await readFile(path), path);
    return {
      definition: file.definition,
      parameters: splitOptimizerState(file.parameters).params,
    };
  }

  /** Picks the better multi-center variant on validation and exports it. */
  private async finish(): Promise<RunSummary> {
    const candidates: PhaseName[] = ['multiCenterFrozen', 'multiCenterJoint'];
    const scored = candidates
      .map((phase) => ({ phase, nme: this.state.best[phase]?.nme ?? Infinity }))
      .sort((a, b) => a.nme - b.nme);
    const chosen = (scored[0] as { phase: PhaseName }).phase;
    const best = await this.loadBest(chosen);
    const assembled =
      best.definition.heads > 1
        ? assembleHeads(best.definition, best.parameters, this.scheme)
        : best;

    // The final model: parameter file and standard ONNX inference graph.
    const finalDir = join(this.dir, 'final');
    await mkdir(finalDir, { recursive: true });
    const modelPath = join(finalDir, 'model.dmcl');
    const onnxPath = join(finalDir, 'model.onnx');
    const metadata = { phase: chosen, scheme: this.scheme.name };
    await this.saveCheckpoint(
      modelPath,
      assembled.definition,
      assembled.parameters,
      {},
      metadata,
    );
    await writeFile(
      onnxPath,
      exportOnnx(assembled.definition, assembled.parameters, this.scheme),
    );

    const validation: RunSummary['validation'] = {};
    for (const phase of PHASES) {
      const record = this.state.best[phase];
      if (record !== undefined)
        validation[phase] = { [this.config.selectBy]: record.nme };
    }
    this.state.done = true;
    await this.saveState();
    this.log(`done: ${chosen} assembled -> ${onnxPath}`);
    return { runDir: this.dir, chosen, validation, modelPath, onnxPath };
  }

  private async saveCheckpoint(
    path: string,
    def: ModelDefinition,
    params: Parameters,
    state: OptimizerState | Record<string, never>,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    const all: Parameters = new Map(params);
    if (state instanceof Map) {
      for (const [slot, values] of state) {
        for (const [name, v] of values) all.set(`opt.${slot}.${name}`, v);
      }
    }
    const bytes = encodeParameterFile({ definition: def, parameters: all, metadata });
    await writeAtomic(path, bytes);
  }

  private async saveState(): Promise<void> {
    await writeJson(join(this.dir, 'state.json'), this.state);
  }

  private log(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    this.callbacks.onLog?.(line);
    void appendFile(join(this.dir, 'log.txt'), `${stamped}\n`);
  }
}

/** Short stage labels of the curves (method.md section 5 numbering). */
const PHASE_LABELS: Record<PhaseName, string> = {
  pretrain: '1',
  weightingFrozen: '2a',
  weightingJoint: '2b',
  multiCenterFrozen: '3a',
  multiCenterJoint: '3b',
};

/**
 * Draws a run folder's training loss and validation NME of every epoch so far as
 * curves-loss.svg/png and curves-nme.svg/png, stages marked 1, 2a, 2b, 3a, 3b.
 */
export async function plotRunCurves(
  runDir: string,
  selectBy: NormaliserName,
): Promise<void> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8');
  const rows = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics);
  const loss: [number, number][] = [];
  const nme: [number, number][] = [];
  const markers: { x: number; label: string }[] = [];
  rows.forEach((row, i) => {
    if (i === 0 || rows[i - 1]?.phase !== row.phase) {
      markers.push({ x: i + 1, label: PHASE_LABELS[row.phase] });
    }
    loss.push([i + 1, row.trainLoss]);
    nme.push([i + 1, (row.validation[selectBy] ?? NaN) * 100]);
  });

  const stages = 'stages: 1 pre-training, 2a/2b weighting, 3a/3b multi-center';
  const lossSvg = lineChartSvg({
    title: 'Training loss (method.md section 4)',
    xLabel: `epoch (${stages})`,
    yLabel: 'loss',
    series: [{ name: 'train loss', points: loss }],
    logY: true,
    markers,
  });
  const nmeSvg = lineChartSvg({
    title: `Validation NME, ${selectBy} normaliser`,
    xLabel: `epoch (${stages})`,
    yLabel: 'NME (%)',
    series: [{ name: 'validation NME', points: nme }],
    logY: true,
    markers,
  });
  await writeSvgAndPng(lossSvg, join(runDir, 'curves-loss'));
  await writeSvgAndPng(nmeSvg, join(runDir, 'curves-nme'));
}

/**
 * The standard ONNX inference model: batch norm folded, one SPL, self-describing
 * metadata; with `flipAverage`, each face also runs mirrored and the two are averaged.
 */
export function exportOnnx(
  def: ModelDefinition,
  params: Parameters,
  scheme: Scheme,
  flipAverage = false,
): Uint8Array {
  return buildForwardGraph(def, {
    embed: params,
    ...(flipAverage ? { flipPartners: scheme.flipPartners } : {}),
    metadata: {
      format: 'dmcl-model',
      formatVersion: MODEL_FORMAT_VERSION,
      scheme: JSON.stringify(schemeToJson(scheme)),
      inputSize: String(def.inputSize),
      enlarge: '1.1',
      numPoints: String(def.numPoints),
      flipAverage: String(flipAverage),
    },
  });
}

/** Separates `opt.<slot>.<name>` tensors from the parameters. */
function splitOptimizerState(all: Parameters): {
  params: Parameters;
  optimizerState: OptimizerState;
} {
  const params: Parameters = new Map();
  const optimizerState: OptimizerState = new Map();
  for (const [name, values] of all) {
    const match = /^opt\.(m|v)\.(.+)$/.exec(name);
    if (match === null) {
      params.set(name, values);
      continue;
    }
    const slot = match[1] as string;
    if (!optimizerState.has(slot)) optimizerState.set(slot, new Map());
    optimizerState.get(slot)?.set(match[2] as string, values);
  }
  return { params, optimizerState };
}

function seedOf(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeAtomic(
    path,
    new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`),
  );
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

function ms(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
