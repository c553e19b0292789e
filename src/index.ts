export * from './errors.js';
export * from './scheme/scheme.js';
export * from './scheme/load.js';
export * from './geometry/affine.js';
export * from './geometry/box.js';
export * from './geometry/crop.js';
export * from './image/image.js';
export * from './image/crop-grey.js';
export * from './data/pts.js';
export * from './data/dataset.js';
export * from './data/predictions.js';
export * from './augment/rng.js';
export * from './augment/augment.js';
export * from './evaluation/nme.js';
export * from './evaluation/metrics.js';
export * from './evaluation/evaluate.js';
export * from './evaluation/baseline.js';
export * from './evaluation/predict.js';
export * from './evaluation/ced-plot.js';
export * from './plot/line-chart.js';
export * from './plot/svg-png.js';
export * from './plot/overlay.js';
export * from './model/definition.js';
export * from './model/parameters.js';
export * from './model/parameter-file.js';
export * from './model/onnx/graph.js';
export * from './model/graphs/forward.js';
export * from './model/graphs/train-step.js';
export * from './engine/session.js';
export * from './engine/trainer.js';
export * from './training/config.js';
export * from './training/assemble.js';
export {
  continueRun,
  exportOnnx,
  startRun,
  MODEL_FORMAT_VERSION,
} from './training/run.js';
export type { EpochMetrics, RunSummary, TrainCallbacks } from './training/run.js';
export * from './inference/aligner.js';
export * from './inference/boxes.js';
export * from './inference/model-info.js';
export * from './inference/onnx-metadata.js';
export * from './inference/pixels.js';
export * from './inference/node.js';
export * from './detection/face-api.js';
export * from './detection/human.js';
export * from './detection/mappings.js';
export * from './detection/node.js';
