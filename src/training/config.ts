/**
 * Every setting of a training run, with the defaults of method.md section 5 where it
 * gives them. A run folder's `config.json` holds the resolved config, so a run can be
 * resumed and reproduced exactly.
 */
import { ConfigError } from '../errors.js';
import type { NormaliserName } from '../scheme/scheme.js';
import type { OptimizerName } from '../model/graphs/train-step.js';

/** One optimisation phase: epochs, optimiser, learning rate and what is frozen. */
export interface PhaseConfig {
  /** Passes over the training split. */
  epochs: number;
  /** Default `adam`. */
  optimizer: OptimizerName;
  /** Peak learning rate; a cosine schedule decays it to `lr * finalLrFactor`. */
  lr: number;
  /** Learning rate at the last step as a fraction of `lr`. */
  finalLrFactor: number;
  /** Leading conv layers frozen (evaluation mode, no backward pass). */
  frozenLayers: number;
}

/** Augmentation amounts (method.md section 6). */
export interface AugmentConfig {
  /** Maximum rotation in degrees, uniform in [-max, max]. Default 30. */
  rotation: number;
  /** Box scale range. Default [0.9, 1.1]. */
  scale: [number, number];
  /** Maximum box shift as a fraction of its side. Default 0.1. */
  shift: number;
  /** Probability of a horizontal flip. Default 0.5. */
  flip: number;
  /** Probability of JPEG re-compression of the crop. Default 0.5. */
  jpeg: number;
  /** JPEG quality range. Default [30, 90]. */
  jpegQuality: [number, number];
  /** Maximum brightness shift in grey levels and contrast factor spread. */
  brightness: number;
  contrast: number;
}

/** The whole run. */
export interface TrainConfig {
  /** Training data: a 300-W style folder, list file or manifest. */
  data: string;
  /** Scheme name (`ibug68`) or path to a scheme JSON file. Default `ibug68`. */
  scheme: string;
  /** Share of the training data held out for validation. Default 0.1. */
  validationFraction: number;
  /** Seed of the split, the shuffles and the augmentation. Default 1. */
  seed: number;
  /** Faces per step. Default 64. */
  batch: number;
  /** Intra-op threads of ONNX Runtime. Default 2. */
  threads: number;
  /** Channels of the last conv. Default 1024. */
  lastChannels: number;
  /** L2 weight decay on weights. Default 5e-4. */
  weightDecay: number;
  /** Normaliser that picks the best checkpoint on the validation split. */
  selectBy: NormaliserName;
  augment: AugmentConfig;
  /** Stage 1: whole net, one SPL, uniform landmark weights. */
  pretrain: PhaseConfig;
  /** Stage 2: landmark weights from measured errors; trunk's first six convs frozen, then all. */
  weightingFrozen: PhaseConfig;
  weightingJoint: PhaseConfig;
  /** Stage 3: m SPLs with cluster weight alpha; both variants are trained. */
  alpha: number;
  multiCenterFrozen: PhaseConfig;
  multiCenterJoint: PhaseConfig;
  /** Stop each phase after this many steps (smoke tests). Default: no limit. */
  maxStepsPerPhase?: number;
  /** Use a worker thread for crops and augmentation. Default true. */
  worker: boolean;
  /**
   * A one-head parameter file (`.dmcl`, e.g. an earlier run's final/model.dmcl) that
   * pre-training starts from instead of random weights. Default: none.
   */
  init?: string;
}

/** Default settings for a data path. */
export function defaultTrainConfig(data: string): TrainConfig {
  return {
    data,
    scheme: 'ibug68',
    validationFraction: 0.1,
    seed: 1,
    batch: 64,
    threads: 2,
    lastChannels: 1024,
    weightDecay: 5e-4,
    selectBy: 'outer-eye-corners',
    augment: {
      rotation: 30,
      scale: [0.9, 1.1],
      shift: 0.1,
      flip: 0.5,
      jpeg: 0.5,
      jpegQuality: [30, 90],
      brightness: 20,
      contrast: 0.2,
    },
    pretrain: phase(120, 2e-3, 0),
    weightingFrozen: phase(12, 5e-4, 6),
    weightingJoint: phase(15, 3e-4, 0),
    alpha: 5,
    multiCenterFrozen: phase(8, 5e-4, 9),
    multiCenterJoint: phase(15, 2e-4, 0),
    worker: true,
  };
}

function phase(epochs: number, lr: number, frozenLayers: number): PhaseConfig {
  return { epochs, optimizer: 'adam', lr, finalLrFactor: 0.02, frozenLayers };
}

/** Learning rate of a cosine schedule at `step` of `total`. */
export function cosineLr(phaseConfig: PhaseConfig, step: number, total: number): number {
  const t = total <= 1 ? 1 : Math.min(1, step / (total - 1));
  const low = phaseConfig.lr * phaseConfig.finalLrFactor;
  return low + ((phaseConfig.lr - low) * (1 + Math.cos(Math.PI * t))) / 2;
}

/** Names of the phases in run order. */
export const PHASES = [
  'pretrain',
  'weightingFrozen',
  'weightingJoint',
  'multiCenterFrozen',
  'multiCenterJoint',
] as const;

/** One of {@link PHASES}. */
export type PhaseName = (typeof PHASES)[number];

/** Checks a config (from defaults, flags or a file); returns it unchanged. */
export function validateTrainConfig(config: TrainConfig, source: string): TrainConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ConfigError(
      `${source}: ${field}: expected ${expected}, got ${JSON.stringify(got)}`,
    );
  };
  if (typeof config.data !== 'string' || config.data === '')
    fail('data', 'a path', config.data);
  if (!(config.validationFraction > 0 && config.validationFraction < 0.5)) {
    fail('validationFraction', 'a number in (0, 0.5)', config.validationFraction);
  }
  if (!Number.isInteger(config.batch) || config.batch < 2) {
    fail('batch', 'an integer >= 2', config.batch);
  }
  if (!Number.isInteger(config.threads) || config.threads < 1) {
    fail('threads', 'a positive integer', config.threads);
  }
  if (!(config.alpha >= 1)) fail('alpha', 'a number >= 1', config.alpha);
  for (const name of PHASES) {
    const p = config[name];
    if (!Number.isInteger(p.epochs) || p.epochs < 0)
      fail(`${name}.epochs`, 'an integer >= 0', p.epochs);
    if (!(p.lr > 0)) fail(`${name}.lr`, 'a positive number', p.lr);
    if (p.optimizer !== 'adam' && p.optimizer !== 'sgd') {
      fail(`${name}.optimizer`, '"adam" or "sgd"', p.optimizer);
    }
    if (!Number.isInteger(p.frozenLayers) || p.frozenLayers < 0 || p.frozenLayers > 9) {
      fail(`${name}.frozenLayers`, 'an integer in 0..9', p.frozenLayers);
    }
  }
  return config;
}
