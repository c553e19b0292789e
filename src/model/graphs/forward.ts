/**
 * Evaluation-mode forward graphs: batch norm uses running statistics (folded into the
 * convolutions), and every SPL head is evaluated.
 */
import { ConfigError } from '../../errors.js';
import { attr, GraphBuilder } from '../onnx/graph.js';
import { layerSides, outputSide, type ModelDefinition } from '../definition.js';
import { paramSpecs, splNames, type Parameters } from '../parameters.js';
import {
  conv3x3,
  foldBatchNorm,
  globalAveragePool,
  maxPool,
  type ConvLowering,
} from './layers.js';

/** Options of {@link buildForwardGraph}. */
export interface ForwardGraphOptions {
  /**
   * Parameters to embed as initialisers, batch norm folded in JavaScript (the
   * shipped inference model). Default: none, every parameter is a graph input named
   * `p:<name>` (evaluation during training, without rebuilding the session).
   */
  embed?: Parameters;
  /** Floating-point type. Default float32. */
  floatType?: 'float32' | 'float64';
  /** Convolution lowering. Default `native`. */
  lowering?: ConvLowering;
  /** ONNX metadata_props of the model. Default none. */
  metadata?: Record<string, string>;
  /** Fixed batch size; default a symbolic `batch` dimension (needs `native` lowering). */
  batch?: number;
  /**
   * Flip averaging at test time: each crop also runs mirrored, its landmarks are
   * mirrored back with these flip partners (the scheme's `flipPartners`) and the two
   * predictions are averaged. Doubles the cost. Default: off.
   */
  flipPartners?: readonly number[];
}

/**
 * Input `input` [batch, 1, S, S]; output `landmarks` [batch, heads * 2n] holding
 * each head's x1, y1, x2, ... one after the other, in crop pixels.
 */
export function buildForwardGraph(
  def: ModelDefinition,
  options: ForwardGraphOptions = {},
): Uint8Array {
  const g = new GraphBuilder(options.floatType ?? 'float32');
  const lowering = options.lowering ?? 'native';
  const batch = options.batch ?? 'batch';
  const b = typeof batch === 'number' ? batch : -1;
  const sides = layerSides(def);
  const s = def.inputSize;
  const input = g.input('input', [batch, 1, s, s]);
  let x = input;

  // Flip averaging: the mirrored crops follow the originals in one batch.
  const flip = options.flipPartners;
  if (flip !== undefined) {
    if (def.heads !== 1 || flip.length !== def.numPoints) {
      throw new ConfigError(
        `flipPartners: expected ${def.numPoints} partners for a one-head model, ` +
          `got ${flip.length} partners and ${def.heads} heads`,
      );
    }
    const big = -(2 ** 62);
    const mirrored = g.op('Slice', [
      x,
      g.ints([-1]),
      g.ints([big]),
      g.ints([3]),
      g.ints([-1]),
    ]);
    x = g.op('Concat', [x, mirrored], { axis: attr.int(0) });
  }

  // Parameters: embedded constants or graph inputs.
  const embed = options.embed;
  const param = (name: string): string => {
    if (embed === undefined) return `p:${name}`;
    const spec = paramSpecs(def).find((p) => p.name === name);
    return g.floats(embed.get(name) ?? [], spec?.shape ?? [], name);
  };
  if (embed === undefined) {
    for (const spec of paramSpecs(def)) g.input(`p:${spec.name}`, spec.shape);
  }

  // Trunk: conv with folded batch norm, ReLU, optional pool.
  let c = 1;
  def.convs.forEach((conv, i) => {
    const side = sides[i] ?? 0;
    const folded =
      embed === undefined
        ? foldBatchNorm(g, bnNames(conv.name, param), conv.channels, def.bnEpsilon)
        : foldInJs(g, def, embed, conv.name, conv.channels);
    const shape = { b, c, co: conv.channels, side };
    x = g.op('Relu', [conv3x3(g, lowering, x, folded.weight, shape, folded.bias)]);
    if (conv.poolAfter) x = maxPool(g, x).y;
    c = conv.channels;
  });

  // Global average pool, then every SPL head.
  const features = globalAveragePool(g, x, outputSide(def));
  const heads: string[] = [];
  for (let head = 0; head < def.heads; head++) {
    const names = splNames(head);
    heads.push(
      g.op('Gemm', [features, param(names.weight), param(names.bias)], {
        transB: { kind: 'int', value: 1 },
      }),
    );
  }
  const landmarks =
    heads.length === 1
      ? (heads[0] as string)
      : g.op('Concat', heads, { axis: { kind: 'int', value: 1 } });
  const out = flip === undefined ? landmarks : unflipAverage(g, landmarks, flip, s);
  g.output(out, 'landmarks', [batch, def.heads * def.numPoints * 2]);
  return g.toModel('dmcl_forward', options.metadata ?? {});
}

function bnNames(
  conv: string,
  param: (name: string) => string,
): { weight: string; scale: string; bias: string; mean: string; variance: string } {
  return {
    weight: param(`${conv}.weight`),
    scale: param(`${conv}.bn.scale`),
    bias: param(`${conv}.bn.bias`),
    mean: param(`${conv}.bn.mean`),
    variance: param(`${conv}.bn.var`),
  };
}

/** Folds one layer's batch norm into its conv in float64 arithmetic, then embeds it. */
function foldInJs(
  g: GraphBuilder,
  def: ModelDefinition,
  params: Parameters,
  conv: string,
  channels: number,
): { weight: string; bias: string } {
  const get = (name: string): Float32Array => {
    const values = params.get(name);
    if (values === undefined) throw new Error(`parameter ${name} is missing`);
    return values;
  };
  const weight = get(`${conv}.weight`);
  const scale = get(`${conv}.bn.scale`);
  const shift = get(`${conv}.bn.bias`);
  const mean = get(`${conv}.bn.mean`);
  const variance = get(`${conv}.bn.var`);

  const perOut = weight.length / channels;
  const folded = new Float64Array(weight.length);
  const bias = new Float64Array(channels);
  for (let o = 0; o < channels; o++) {
    const factor = (scale[o] ?? 0) / Math.sqrt((variance[o] ?? 0) + def.bnEpsilon);
    for (let k = 0; k < perOut; k++)
      folded[o * perOut + k] = (weight[o * perOut + k] ?? 0) * factor;
    bias[o] = (shift[o] ?? 0) - (mean[o] ?? 0) * factor;
  }
  const inChannels = perOut / 9;
  return {
    weight: g.floats(folded, [channels, inChannels, 3, 3], `${conv}.folded_weight`),
    bias: g.floats(bias, [channels], `${conv}.folded_bias`),
  };
}

/**
 * Averages the first half of a [2B, 2n] prediction with its second half (landmarks of
 * mirrored crops), mirrored back: x -> (side - 1) - x and point i <- point partner(i).
 */
function unflipAverage(
  g: GraphBuilder,
  landmarks: string,
  partners: readonly number[],
  side: number,
): string {
  const [plain, mirrored] = g.opN('Split', [landmarks], 2, { axis: attr.int(0) });
  const n = partners.length;
  const points = g.op('Reshape', [mirrored as string, g.ints([-1, n, 2])]);
  const permuted = g.op('Gather', [points, g.ints([...partners])], { axis: attr.int(1) });
  const flipX = g.op('Add', [
    g.op('Mul', [permuted, g.floats([-1, 1], [2])]),
    g.floats([side - 1, 0], [2]),
  ]);
  const back = g.op('Reshape', [flipX, g.ints([-1, 2 * n])]);
  return g.op('Mul', [g.op('Add', [plain as string, back]), g.scalar(0.5)]);
}
