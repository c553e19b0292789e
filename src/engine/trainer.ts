/**
 * Runs the one-graph optimiser step of {@link buildTrainStepGraph} in ONNX Runtime,
 * holding the parameters and the optimiser state between steps.
 */
import type * as ort from 'onnxruntime-node';

import { ConfigError } from '../errors.js';
import type { ModelDefinition } from '../model/definition.js';
import {
  buildTrainStepGraph,
  trainStepSignature,
  type TrainStepOptions,
  type TrainStepSignature,
} from '../model/graphs/train-step.js';
import { paramSpecs, sizeOf, type Parameters } from '../model/parameters.js';
import {
  createSession,
  floatTensor,
  outputData,
  type SessionOptions,
} from './session.js';

/** One batch of training faces. */
export interface TrainBatch {
  /** Network inputs, batch * S * S values (grey / 128 - 1). */
  readonly input: Float32Array;
  /** Ground truth in crop pixels, batch * 2n values. */
  readonly target: Float32Array;
  /** Per face 1 / (2 d^2), d the normalising distance in crop pixels. */
  readonly faceScale: Float32Array;
}

/** Optimiser state: slot (`m`, `v`) to parameter name to values. */
export type OptimizerState = Map<string, Map<string, Float32Array>>;

/** Result of one step. */
export interface StepResult {
  /** Sum over heads of the batch-mean loss. */
  readonly loss: number;
  /** Each head's batch-mean loss. */
  readonly headLoss: number[];
}

/** Holds a step session, parameters and optimiser state. */
export class Trainer {
  /** Optimiser steps taken (Adam's bias correction counts them). */
  steps = 0;

  private constructor(
    readonly definition: ModelDefinition,
    readonly options: TrainStepOptions,
    readonly signature: TrainStepSignature,
    private readonly session: ort.InferenceSession,
    /** Current parameters; replaced (not mutated) by every step. */
    public parameters: Parameters,
    /** Current optimiser state. */
    public state: OptimizerState,
  ) {}

  /**
   * Builds the step graph and its session.
   * @param state optimiser state to resume from; default zeros
   */
  static async create(
    def: ModelDefinition,
    parameters: Parameters,
    options: TrainStepOptions & SessionOptions,
    state?: OptimizerState,
  ): Promise<Trainer> {
    const signature = trainStepSignature(def, options);
    const session = await createSession(buildTrainStepGraph(def, options), options);
    const fresh: OptimizerState = new Map();
    for (const slot of signature.slots) {
      const values = new Map<string, Float32Array>();
      for (const spec of signature.trained) {
        const resumed = state?.get(slot)?.get(spec.name);
        values.set(spec.name, resumed?.slice() ?? new Float32Array(sizeOf(spec.shape)));
      }
      fresh.set(slot, values);
    }
    return new Trainer(def, options, signature, session, parameters, fresh);
  }

  /**
   * One optimiser step on one batch.
   * @param weights per-head landmark weights, heads * 2n values (u_j at 2j and 2j + 1)
   * @param lr learning rate
   */
  async step(batch: TrainBatch, weights: Float32Array, lr: number): Promise<StepResult> {
    const def = this.definition;
    const b = this.options.batch;
    const s = def.inputSize;
    const n2 = def.numPoints * 2;
    expectLength('input', batch.input, b * s * s);
    expectLength('target', batch.target, b * n2);
    expectLength('faceScale', batch.faceScale, b);
    expectLength('weights', weights, def.heads * n2);

    // Feeds: data, parameters, optimiser state.
    const feeds: Record<string, ort.Tensor> = {
      input: floatTensor(batch.input, [b, 1, s, s]),
      target: floatTensor(batch.target, [b, n2]),
      faceScale: floatTensor(batch.faceScale, [b]),
      weights: floatTensor(weights, [def.heads, n2]),
      lr: floatTensor(Float32Array.of(this.effectiveLr(lr)), []),
    };
    for (const spec of paramSpecs(def)) {
      feeds[`p:${spec.name}`] = floatTensor(this.parameter(spec.name), spec.shape);
    }
    for (const [slot, values] of this.state) {
      for (const spec of this.signature.trained) {
        feeds[`${slot}:${spec.name}`] = floatTensor(
          values.get(spec.name) as Float32Array,
          spec.shape,
        );
      }
    }

    // Run, then swap in the new parameters and state.
    const out = await this.session.run(feeds);
    const next: Parameters = new Map(this.parameters);
    for (const spec of [...this.signature.trained, ...this.signature.statistics]) {
      next.set(spec.name, outputData(out, `new:${spec.name}`));
    }
    for (const [slot, values] of this.state) {
      for (const spec of this.signature.trained) {
        values.set(spec.name, outputData(out, `new${slot}:${spec.name}`));
      }
    }
    this.parameters = next;
    this.steps += 1;
    const loss = outputData(out, 'loss')[0] ?? NaN;
    return { loss, headLoss: Array.from(outputData(out, 'headLoss')) };
  }

  /** Releases the ONNX Runtime session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }

  private parameter(name: string): Float32Array {
    const values = this.parameters.get(name);
    if (values === undefined) throw new ConfigError(`parameter ${name} is missing`);
    return values;
  }

  /** Adam folds both bias corrections of step t into the learning rate. */
  private effectiveLr(lr: number): number {
    if ((this.options.optimizer ?? 'sgd') !== 'adam') return lr;
    const t = this.steps + 1;
    const beta1 = this.options.beta1 ?? 0.9;
    const beta2 = this.options.beta2 ?? 0.999;
    return (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  }
}

function expectLength(name: string, values: Float32Array, expected: number): void {
  if (values.length !== expected) {
    throw new ConfigError(`${name}: expected ${expected} values, got ${values.length}`);
  }
}
