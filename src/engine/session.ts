/**
 * ONNX Runtime sessions for the toolkit's graphs, with the thread settings made
 * explicit (engine.md: measure 1 and 2 threads).
 */
import * as ort from 'onnxruntime-node';

/** Options of every session the toolkit creates. */
export interface SessionOptions {
  /** Intra-op threads. Default: ONNX Runtime's choice (one per core). */
  threads?: number;
}

/** Creates an ONNX Runtime session for a serialised model. */
export async function createSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const settings: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
  };
  if (options.threads !== undefined) settings.intraOpNumThreads = options.threads;
  return ort.InferenceSession.create(model, settings);
}

/** A float32 tensor view of an array (no copy). */
export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** The float32 data of a session output, or an error naming the missing output. */
export function outputData(
  outputs: ort.InferenceSession.ReturnType,
  name: string,
): Float32Array {
  const tensor = outputs[name];
  if (tensor === undefined) throw new Error(`graph output ${name} is missing`);
  return tensor.data as Float32Array;
}
