/**
 * One whole optimiser step as one ONNX graph: forward in training mode, the weighted
 * loss of method.md section 4 for every SPL head, a hand-derived backward pass and the
 * optimiser update. Parameters and optimiser state go in as inputs and come out as
 * outputs, so one session serves every step.
 *
 * Inputs: `input` [B, 1, S, S]; `target` [B, 2n] in crop pixels; `weights` [heads, 2n]
 * (landmark j's weight u_j at 2j and 2j + 1); `faceScale` [B] = 1 / (2 d^2) with d the
 * face's normalising distance; `lr` []; `p:<name>` every parameter; `m:<name>` (and
 * `v:<name>` for Adam) the optimiser state of every trained parameter.
 * Outputs: `loss` [] (sum over heads of the batch-mean loss), `headLoss` [heads],
 * `new:<name>` for trained parameters and updated running statistics, `newm:<name>`
 * and `newv:<name>` for optimiser state, and `grad:<name>` when asked for.
 */
import { attr, GraphBuilder } from '../onnx/graph.js';
import {
  featureSize,
  layerSides,
  outputSide,
  type ModelDefinition,
} from '../definition.js';
import { isTrainable, paramSpecs, splNames, type ParamSpec } from '../parameters.js';
import {
  batchNormTrain,
  batchNormTrainGrad,
  conv3x3,
  conv3x3InputGrad,
  conv3x3WeightGrad,
  foldBatchNorm,
  globalAveragePool,
  maxPool,
  maxPoolGrad,
  type BatchNormTrace,
  type ConvLowering,
} from './layers.js';

/** Optimiser of the step graph. */
export type OptimizerName = 'sgd' | 'adam';

/** Settings baked into a step graph. */
export interface TrainStepOptions {
  /** Faces per step; fixed in the graph. */
  batch: number;
  /**
   * Number of leading conv layers frozen (0 = train everything; convs.length = train
   * only the SPLs). Frozen layers run in evaluation mode (running statistics, batch
   * norm folded) and cost no backward pass. Default 0.
   */
  frozenLayers?: number;
  /** Default `sgd`. */
  optimizer?: OptimizerName;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** Adam's beta1 and beta2. Default 0.9 and 0.999. */
  beta1?: number;
  beta2?: number;
  /** Adam's epsilon. Default 1e-8. */
  epsilon?: number;
  /** L2 weight decay on conv and SPL weights (not biases or batch norm). Default 5e-4. */
  weightDecay?: number;
  /** Momentum of the batch-norm running statistics. Default 0.1 (as PyTorch). */
  bnMomentum?: number;
  /** Floating-point type. Default float32. */
  floatType?: 'float32' | 'float64';
  /** Convolution lowering. Default `native`. */
  lowering?: ConvLowering;
  /** Also output `grad:<name>` for every trained parameter (tests). Default false. */
  emitGradients?: boolean;
}

/** What a step graph reads and writes, for the session wrapper. */
export interface TrainStepSignature {
  /** Parameters the step updates (name order of {@link paramSpecs}). */
  readonly trained: readonly ParamSpec[];
  /** Running statistics the step updates. */
  readonly statistics: readonly ParamSpec[];
  /** Optimiser state slots per trained parameter: `m` (SGD) or `m`, `v` (Adam). */
  readonly slots: readonly ('m' | 'v')[];
}

/** Which parameters a step with these options trains. */
export function trainStepSignature(
  def: ModelDefinition,
  options: Pick<TrainStepOptions, 'frozenLayers' | 'optimizer'>,
): TrainStepSignature {
  const frozen = options.frozenLayers ?? 0;
  const live = (spec: ParamSpec): boolean => spec.layer === -1 || spec.layer >= frozen;
  const specs = paramSpecs(def).filter(live);
  return {
    trained: specs.filter((s) => isTrainable(s.kind)),
    statistics: specs.filter((s) => !isTrainable(s.kind)),
    slots: (options.optimizer ?? 'sgd') === 'adam' ? ['m', 'v'] : ['m'],
  };
}

interface LayerTrace {
  input: string;
  inChannels: number;
  side: number;
  bn: BatchNormTrace;
  activation: string;
  poolIndices?: string;
}

/** Builds the step graph described in the module comment. */
export function buildTrainStepGraph(
  def: ModelDefinition,
  options: TrainStepOptions,
): Uint8Array {
  const g = new GraphBuilder(options.floatType ?? 'float32');
  const lowering = options.lowering ?? 'native';
  const frozen = options.frozenLayers ?? 0;
  const b = options.batch;
  const n2 = def.numPoints * 2;
  const s = def.inputSize;
  const sides = layerSides(def);
  const eps = def.bnEpsilon;
  const signature = trainStepSignature(def, options);
  const specs = paramSpecs(def);
  const shapeOf = new Map(specs.map((spec) => [spec.name, spec.shape]));

  // Graph inputs.
  const input = g.input('input', [b, 1, s, s]);
  const target = g.input('target', [b, n2]);
  const weights = g.input('weights', [def.heads, n2]);
  const faceScale = g.input('faceScale', [b]);
  const lr = g.input('lr', []);
  for (const spec of specs) g.input(`p:${spec.name}`, spec.shape);
  for (const spec of signature.trained) {
    for (const slot of signature.slots) g.input(`${slot}:${spec.name}`, spec.shape);
  }
  const p = (name: string): string => `p:${name}`;

  // Forward: frozen prefix in evaluation mode, then training-mode layers.
  let x = input;
  let c = 1;
  const traces: LayerTrace[] = [];
  def.convs.forEach((conv, i) => {
    const side = sides[i] ?? 0;
    const shape = { b, c, co: conv.channels, side };
    if (i < frozen) {
      const folded = foldBatchNorm(
        g,
        {
          weight: p(`${conv.name}.weight`),
          scale: p(`${conv.name}.bn.scale`),
          bias: p(`${conv.name}.bn.bias`),
          mean: p(`${conv.name}.bn.mean`),
          variance: p(`${conv.name}.bn.var`),
        },
        conv.channels,
        eps,
      );
      x = g.op('Relu', [conv3x3(g, lowering, x, folded.weight, shape, folded.bias)]);
      if (conv.poolAfter) x = maxPool(g, x).y;
    } else {
      const z = conv3x3(g, lowering, x, p(`${conv.name}.weight`), shape);
      const count = b * side * side;
      const { y, trace } = batchNormTrain(
        g,
        z,
        p(`${conv.name}.bn.scale`),
        p(`${conv.name}.bn.bias`),
        conv.channels,
        count,
        eps,
      );
      const activation = g.op('Relu', [y]);
      const layer: LayerTrace = { input: x, inChannels: c, side, bn: trace, activation };
      x = activation;
      if (conv.poolAfter) {
        const pooled = maxPool(g, activation);
        layer.poolIndices = pooled.indices;
        x = pooled.y;
      }
      traces.push(layer);
    }
    c = conv.channels;
  });

  // Global average pool to the feature vector.
  const lastSide = outputSide(def);
  const f = featureSize(def);
  const features = globalAveragePool(g, x, lastSide);

  // Every head: prediction, weighted loss (method.md section 4) and its gradients.
  const gradients = new Map<string, string>();
  const scale = g.op('Mul', [
    g.op('Reshape', [faceScale, g.ints([b, 1])]),
    g.scalar(1 / b),
  ]);
  const headLosses: string[] = [];
  let gFeatures: string | undefined;
  for (let head = 0; head < def.heads; head++) {
    const names = splNames(head);
    const prediction = g.op('Gemm', [features, p(names.weight), p(names.bias)], {
      transB: attr.int(1),
    });
    const diff = g.op('Sub', [prediction, target]);
    const headWeights = g.op('Gather', [weights, g.ints([head])], { axis: attr.int(0) });
    const coefficient = g.op('Mul', [scale, headWeights]);
    const weighted = g.op('Mul', [coefficient, diff]);
    headLosses.push(g.op('ReduceSum', [g.op('Mul', [weighted, diff]), g.ints([0, 1])]));

    // dLoss/dPrediction = 2 * coefficient * diff; then the linear layer's gradients.
    const gPrediction = g.op('Mul', [weighted, g.scalar(2)]);
    gradients.set(
      names.weight,
      g.op('Gemm', [gPrediction, features], { transA: attr.int(1) }),
    );
    gradients.set(
      names.bias,
      g.op('ReduceSum', [gPrediction, g.ints([0])], { keepdims: attr.int(0) }),
    );
    if (frozen < def.convs.length) {
      const gHead = g.op('MatMul', [gPrediction, p(names.weight)]);
      gFeatures = gFeatures === undefined ? gHead : g.op('Add', [gFeatures, gHead]);
    }
  }

  // Backward through global average pooling.
  let gx: string | undefined;
  if (gFeatures !== undefined) {
    const spread = g.op('Mul', [
      g.op('Reshape', [gFeatures, g.ints([b, f, 1, 1])]),
      g.scalar(1 / (lastSide * lastSide)),
    ]);
    gx = g.op('Expand', [spread, g.ints([b, f, lastSide, lastSide])]);
  }

  // Backward through the trained conv layers, last to first.
  for (let t = traces.length - 1; t >= 0 && gx !== undefined; t--) {
    const layer = traces[t] as LayerTrace;
    const conv = def.convs[frozen + t];
    if (conv === undefined) break;
    const co = conv.channels;
    const side = layer.side;
    const shape = { b, c: layer.inChannels, co, side };

    // Max-pool, ReLU and batch norm.
    let gActivation = gx;
    if (layer.poolIndices !== undefined) {
      gActivation = maxPoolGrad(g, gx, layer.poolIndices, [b, co, side, side]);
    }
    const mask = g.op('CastLike', [
      g.op('Greater', [layer.activation, g.scalar(0)]),
      gActivation,
    ]);
    const gy = g.op('Mul', [gActivation, mask]);
    const bn = batchNormTrainGrad(
      g,
      gy,
      p(`${conv.name}.bn.scale`),
      layer.bn,
      co,
      b * side * side,
    );
    gradients.set(`${conv.name}.bn.scale`, bn.gScale);
    gradients.set(`${conv.name}.bn.bias`, bn.gBias);

    // Conv weights, and the input unless this is the first trained layer.
    gradients.set(`${conv.name}.weight`, conv3x3WeightGrad(g, layer.input, bn.gz, shape));
    gx =
      t > 0
        ? conv3x3InputGrad(g, lowering, bn.gz, p(`${conv.name}.weight`), shape)
        : undefined;
  }

  // Losses.
  const headLoss =
    headLosses.length === 1
      ? g.op('Reshape', [headLosses[0] as string, g.ints([1])])
      : g.op(
          'Concat',
          headLosses.map((l) => g.op('Reshape', [l, g.ints([1])])),
          {
            axis: attr.int(0),
          },
        );
  g.output(
    g.op('ReduceSum', [headLoss, g.ints([0])], { keepdims: attr.int(0) }),
    'loss',
    [],
  );
  g.output(headLoss, 'headLoss', [def.heads]);

  // Optimiser update of every trained parameter.
  const decay = options.weightDecay ?? 5e-4;
  for (const spec of signature.trained) {
    const shape = shapeOf.get(spec.name) ?? [];
    let grad = gradients.get(spec.name);
    if (grad === undefined) throw new Error(`no gradient for ${spec.name}`);
    if (options.emitGradients) g.output(grad, `grad:${spec.name}`, shape);
    if (spec.kind === 'weight' && decay > 0) {
      grad = g.op('Add', [grad, g.op('Mul', [p(spec.name), g.scalar(decay)])]);
    }
    const update = optimizerUpdate(g, options, grad, spec.name, lr);
    g.output(g.op('Sub', [p(spec.name), update.step]), `new:${spec.name}`, shape);
    for (const [slot, value] of Object.entries(update.state)) {
      g.output(value, `new${slot}:${spec.name}`, shape);
    }
  }

  // Running statistics of the trained batch norms (unbiased variance, as PyTorch).
  const momentum = options.bnMomentum ?? 0.1;
  traces.forEach((layer, t) => {
    const conv = def.convs[frozen + t];
    if (conv === undefined) return;
    const count = b * layer.side * layer.side;
    const blend = (old: string, batch: string): string =>
      g.op('Add', [
        g.op('Mul', [old, g.scalar(1 - momentum)]),
        g.op('Mul', [batch, g.scalar(momentum)]),
      ]);
    const unbiased = g.op('Mul', [
      layer.bn.variance,
      g.scalar(count / Math.max(1, count - 1)),
    ]);
    const meanName = `${conv.name}.bn.mean`;
    const varName = `${conv.name}.bn.var`;
    g.output(blend(p(meanName), layer.bn.mean), `new:${meanName}`, [conv.channels]);
    g.output(blend(p(varName), unbiased), `new:${varName}`, [conv.channels]);
  });

  return g.toModel('dmcl_train_step');
}

/** The optimiser's step (to subtract from the parameter) and its new state. */
function optimizerUpdate(
  g: GraphBuilder,
  options: TrainStepOptions,
  grad: string,
  name: string,
  lr: string,
): { step: string; state: Record<string, string> } {
  if ((options.optimizer ?? 'sgd') === 'sgd') {
    // v = momentum * v + g; step = lr * v.
    const velocity = g.op('Add', [
      g.op('Mul', [`m:${name}`, g.scalar(options.momentum ?? 0.9)]),
      grad,
    ]);
    return { step: g.op('Mul', [velocity, lr]), state: { m: velocity } };
  }

  // Adam; the caller folds the bias corrections into lr.
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const m = g.op('Add', [
    g.op('Mul', [`m:${name}`, g.scalar(beta1)]),
    g.op('Mul', [grad, g.scalar(1 - beta1)]),
  ]);
  const v = g.op('Add', [
    g.op('Mul', [`v:${name}`, g.scalar(beta2)]),
    g.op('Mul', [g.op('Mul', [grad, grad]), g.scalar(1 - beta2)]),
  ]);
  const denominator = g.op('Add', [g.op('Sqrt', [v]), g.scalar(options.epsilon ?? 1e-8)]);
  return { step: g.op('Mul', [g.op('Div', [m, denominator]), lr]), state: { m, v } };
}
