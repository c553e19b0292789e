/**
 * Runs the evaluation-mode network over a set of faces (plain crops of their boxes)
 * and returns predictions in photo pixels, for validation and for the measured
 * per-landmark errors of the weighting stage.
 */
import type * as ort from 'onnxruntime-node';

import { createSession, floatTensor, outputData } from '../engine/session.js';
import { cropTransform, cropToPhoto } from '../geometry/crop.js';
import { cropGrey } from '../image/crop-grey.js';
import type { ModelDefinition } from '../model/definition.js';
import { buildForwardGraph } from '../model/graphs/forward.js';
import { paramSpecs, type Parameters } from '../model/parameters.js';
import type { SampleSet } from './batches.js';

/** A forward session whose parameters are inputs, reusable across checkpoints. */
export class ForwardRunner {
  private constructor(
    readonly definition: ModelDefinition,
    private readonly session: ort.InferenceSession,
  ) {}

  /**
   * Builds the evaluation graph of `def` (all heads) and its session.
   * @param flipPartners average with mirrored crops (one-head models); default off
   */
  static async create(
    def: ModelDefinition,
    threads: number,
    flipPartners?: readonly number[],
  ): Promise<ForwardRunner> {
    const graph = buildForwardGraph(
      def,
      flipPartners === undefined ? {} : { flipPartners },
    );
    return new ForwardRunner(def, await createSession(graph, { threads }));
  }

  /**
   * Predicts every face of `set` from the plain crop of its box.
   * @returns per face, per head: interleaved 1-based photo points
   */
  async predict(
    set: SampleSet,
    params: Parameters,
    chunk = 64,
  ): Promise<Float64Array[][]> {
    const def = this.definition;
    const size = def.inputSize;
    const n2 = def.numPoints * 2;
    const results: Float64Array[][] = [];
    const paramFeeds: Record<string, ort.Tensor> = {};
    for (const spec of paramSpecs(def)) {
      paramFeeds[`p:${spec.name}`] = floatTensor(
        params.get(spec.name) as Float32Array,
        spec.shape,
      );
    }

    for (let start = 0; start < set.faces.length; start += chunk) {
      // Crop a chunk of faces.
      const faces = set.faces.slice(start, start + chunk);
      const input = new Float32Array(faces.length * size * size);
      const transforms = faces.map((face, k) => {
        const t = cropTransform(face.box, { size });
        cropGrey(set.images[face.image] as never, t, input, k * size * size);
        return t;
      });

      // Run, then map every head's points back to the photo.
      const out = await this.session.run({
        ...paramFeeds,
        input: floatTensor(input, [faces.length, 1, size, size]),
      });
      const landmarks = outputData(out, 'landmarks');
      transforms.forEach((t, k) => {
        const heads: Float64Array[] = [];
        for (let h = 0; h < def.heads; h++) {
          const offset = (k * def.heads + h) * n2;
          heads.push(
            cropToPhoto(Float64Array.from(landmarks.subarray(offset, offset + n2)), t),
          );
        }
        results.push(heads);
      });
    }
    return results;
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}
