/**
 * The DMCL network as data (method.md section 2): a stack of 3x3 conv + batch norm +
 * ReLU layers with ceil-mode 2x2 max-pools, global average pooling and one or more
 * linear shape prediction layers (SPLs).
 */
import { ConfigError } from '../errors.js';

/** One 3x3 conv layer (stride 1, pad 1) followed by batch norm and ReLU. */
export interface ConvLayer {
  /** Parameter name prefix, e.g. `conv11`. */
  readonly name: string;
  /** Output channels. */
  readonly channels: number;
  /** Whether a 2x2 stride-2 max-pool with ceil rounding follows. */
  readonly poolAfter: boolean;
}

/** The whole network: trunk, feature size and SPL heads. */
export interface ModelDefinition {
  /** Side of the square grey input crop in pixels. Default 50. */
  readonly inputSize: number;
  /** The conv layers in order. */
  readonly convs: readonly ConvLayer[];
  /** Number of landmarks; each SPL outputs 2 * numPoints values (x1, y1, x2, ...). */
  readonly numPoints: number;
  /** Number of SPL heads side by side (1, or m during multi-center fine-tuning). */
  readonly heads: number;
  /** Batch-norm epsilon. Default 1e-5. */
  readonly bnEpsilon: number;
}

/** Options of {@link dmclDefinition}. */
export interface DefinitionOptions {
  /** SPL heads. Default 1. */
  heads?: number;
  /** Channels of the last conv (conv43). Default 1024, as in the released deploy file. */
  lastChannels?: number;
  /** Input side. Default 50. */
  inputSize?: number;
}

/** The released DMCL layout for a scheme of `numPoints` landmarks. */
export function dmclDefinition(
  numPoints: number,
  options: DefinitionOptions = {},
): ModelDefinition {
  const heads = options.heads ?? 1;
  const last = options.lastChannels ?? 1024;
  const convs: ConvLayer[] = [
    { name: 'conv11', channels: 32, poolAfter: false },
    { name: 'conv12', channels: 32, poolAfter: true },
    { name: 'conv21', channels: 64, poolAfter: false },
    { name: 'conv22', channels: 64, poolAfter: true },
    { name: 'conv31', channels: 96, poolAfter: false },
    { name: 'conv32', channels: 96, poolAfter: true },
    { name: 'conv41', channels: 128, poolAfter: false },
    { name: 'conv42', channels: 128, poolAfter: false },
    { name: 'conv43', channels: last, poolAfter: false },
  ];
  return validateDefinition({
    inputSize: options.inputSize ?? 50,
    convs,
    numPoints,
    heads,
    bnEpsilon: 1e-5,
  });
}

/** Checks a definition read from a file or built by hand; returns it unchanged. */
export function validateDefinition(value: ModelDefinition): ModelDefinition {
  const positiveInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0;
  if (!positiveInt(value.inputSize)) {
    throw new ConfigError(
      `inputSize: expected a positive integer, got ${value.inputSize}`,
    );
  }
  if (!positiveInt(value.numPoints)) {
    throw new ConfigError(
      `numPoints: expected a positive integer, got ${value.numPoints}`,
    );
  }
  if (!positiveInt(value.heads)) {
    throw new ConfigError(`heads: expected a positive integer, got ${value.heads}`);
  }
  if (!Array.isArray(value.convs) || value.convs.length === 0) {
    throw new ConfigError('convs: expected at least one conv layer, got none');
  }
  for (const conv of value.convs) {
    if (!positiveInt(conv.channels)) {
      throw new ConfigError(
        `${conv.name}: expected a positive channel count, got ${conv.channels}`,
      );
    }
  }
  return value;
}

/** Spatial side after each conv layer's optional pool, ceil rounding. */
export function layerSides(def: ModelDefinition): number[] {
  const sides: number[] = [];
  let side = def.inputSize;
  for (const conv of def.convs) {
    sides.push(side);
    if (conv.poolAfter) side = Math.ceil(side / 2);
  }
  return sides;
}

/** Channels of the feature vector the SPLs read. */
export function featureSize(def: ModelDefinition): number {
  const last = def.convs[def.convs.length - 1];
  if (last === undefined)
    throw new ConfigError('convs: expected at least one conv layer');
  return last.channels;
}

/** Multiply-accumulates of one forward pass (convs and one SPL). */
export function forwardMacs(def: ModelDefinition): number {
  const sides = layerSides(def);
  let inChannels = 1;
  let macs = 0;
  def.convs.forEach((conv, i) => {
    const side = sides[i] ?? 0;
    macs += side * side * conv.channels * inChannels * 9;
    inChannels = conv.channels;
  });
  return macs + featureSize(def) * def.numPoints * 2;
}

/** Spatial side of the last conv layer's output (after its pool, if any). */
export function outputSide(def: ModelDefinition): number {
  const sides = layerSides(def);
  const last = def.convs.length - 1;
  const side = sides[last] ?? def.inputSize;
  return def.convs[last]?.poolAfter ? Math.ceil(side / 2) : side;
}
