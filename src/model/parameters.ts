/**
 * The parameter store: named float32 tensors of a {@link ModelDefinition}, their
 * initialisation, and which of them are trained, decayed or frozen.
 */
import { ConfigError } from '../errors.js';
import { featureSize, type ModelDefinition } from './definition.js';

/** What role a parameter plays; decides training, weight decay and folding. */
export type ParamKind = 'weight' | 'bias' | 'bn-scale' | 'bn-bias' | 'bn-mean' | 'bn-var';

/** Name, shape and role of one parameter tensor. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: ParamKind;
  /** Index of the conv layer, or -1 for an SPL parameter. */
  readonly layer: number;
  /** SPL head index, or -1 for trunk parameters. */
  readonly head: number;
}

/** Named parameter tensors; values are float32 in the shapes of {@link paramSpecs}. */
export type Parameters = Map<string, Float32Array>;

/** Names of the SPL weight and bias of head `head`. */
export function splNames(head: number): { weight: string; bias: string } {
  return { weight: `spl${head}.weight`, bias: `spl${head}.bias` };
}

/** Every parameter of a definition, trunk first, then SPL heads. */
export function paramSpecs(def: ModelDefinition): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let inChannels = 1;
  def.convs.forEach((conv, layer) => {
    const c = conv.channels;
    const base = { layer, head: -1 };
    specs.push({
      ...base,
      name: `${conv.name}.weight`,
      shape: [c, inChannels, 3, 3],
      kind: 'weight',
    });
    specs.push({ ...base, name: `${conv.name}.bn.scale`, shape: [c], kind: 'bn-scale' });
    specs.push({ ...base, name: `${conv.name}.bn.bias`, shape: [c], kind: 'bn-bias' });
    specs.push({ ...base, name: `${conv.name}.bn.mean`, shape: [c], kind: 'bn-mean' });
    specs.push({ ...base, name: `${conv.name}.bn.var`, shape: [c], kind: 'bn-var' });
    inChannels = c;
  });

  const outputs = def.numPoints * 2;
  for (let head = 0; head < def.heads; head++) {
    const names = splNames(head);
    const base = { layer: -1, head };
    specs.push({
      ...base,
      name: names.weight,
      shape: [outputs, featureSize(def)],
      kind: 'weight',
    });
    specs.push({ ...base, name: names.bias, shape: [outputs], kind: 'bias' });
  }
  return specs;
}

/** Whether the optimiser updates parameters of this kind (running statistics are not). */
export function isTrainable(kind: ParamKind): boolean {
  return kind !== 'bn-mean' && kind !== 'bn-var';
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Options of {@link initParameters}. */
export interface InitOptions {
  /** Standard deviation of the Gaussian weights. Default 0.01 (method.md section 2). */
  weightStd?: number;
  /**
   * Initial SPL bias, 2 * numPoints values in crop pixels. Default zeros as in the
   * paper; training passes the mean shape so that the first steps start near a face.
   */
  splBias?: Float32Array;
  /** Seed of the Gaussian generator. Default 1. */
  seed?: number;
}

/** Fresh parameters: Gaussian weights, zero biases, unit BN scales and variances. */
export function initParameters(
  def: ModelDefinition,
  options: InitOptions = {},
): Parameters {
  const std = options.weightStd ?? 0.01;
  const random = gaussian(options.seed ?? 1);
  const params: Parameters = new Map();

  for (const spec of paramSpecs(def)) {
    const values = new Float32Array(sizeOf(spec.shape));
    if (spec.kind === 'weight') {
      for (let i = 0; i < values.length; i++) values[i] = random() * std;
    } else if (spec.kind === 'bn-scale' || spec.kind === 'bn-var') {
      values.fill(1);
    } else if (spec.kind === 'bias' && options.splBias !== undefined) {
      if (options.splBias.length !== values.length) {
        throw new ConfigError(
          `splBias: expected ${values.length} values, got ${options.splBias.length}`,
        );
      }
      values.set(options.splBias);
    }
    params.set(spec.name, values);
  }
  return params;
}

/** Throws unless `params` holds every tensor of `def` with the right size. */
export function checkParameters(
  def: ModelDefinition,
  params: Parameters,
  source: string,
): void {
  for (const spec of paramSpecs(def)) {
    const values = params.get(spec.name);
    if (values === undefined) {
      throw new ConfigError(`${source}: parameter ${spec.name} is missing`);
    }
    if (values.length !== sizeOf(spec.shape)) {
      throw new ConfigError(
        `${source}: parameter ${spec.name} expected ${sizeOf(spec.shape)} values ` +
          `(shape ${spec.shape.join('x')}), got ${values.length}`,
      );
    }
  }
}

/** A deep copy of a parameter map. */
export function cloneParameters(params: Parameters): Parameters {
  return new Map([...params].map(([name, values]) => [name, values.slice()]));
}

/** A seeded standard normal generator (Box-Muller over a mulberry32 stream). */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = 1 - uniform();
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
