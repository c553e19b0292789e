/**
 * Model assembling (method.md section 5, stage 4): one SPL whose rows for the
 * landmarks of cluster i are copied from SPL i, so that the assembled network equals
 * "run all heads, keep each cluster's rows from its own head" at the cost of one head.
 */
import { ConfigError } from '../errors.js';
import type { ModelDefinition } from '../model/definition.js';
import { splNames, type Parameters } from '../model/parameters.js';
import type { Scheme } from '../scheme/scheme.js';

/** For each landmark, the head (cluster index) whose rows it takes. */
export function clusterOfLandmark(scheme: Scheme): number[] {
  const owner = new Array<number>(scheme.numPoints).fill(-1);
  scheme.clusters.forEach((cluster, i) => {
    for (const point of cluster.points) owner[point] = i;
  });
  const orphan = owner.indexOf(-1);
  if (orphan >= 0) {
    throw new ConfigError(
      `scheme ${scheme.name}: landmark ${orphan + 1} is in no cluster`,
    );
  }
  return owner;
}

/** The one-head definition and parameters of an m-head model. */
export function assembleHeads(
  def: ModelDefinition,
  params: Parameters,
  scheme: Scheme,
): { definition: ModelDefinition; parameters: Parameters } {
  if (def.heads !== scheme.clusters.length) {
    throw new ConfigError(
      `assemble: expected one head per cluster (${scheme.clusters.length}), got ${def.heads}`,
    );
  }
  const owner = clusterOfLandmark(scheme);
  const first = splNames(0);
  const rowLength = (params.get(first.weight)?.length ?? 0) / (def.numPoints * 2);
  const weight = new Float32Array(def.numPoints * 2 * rowLength);
  const bias = new Float32Array(def.numPoints * 2);

  // Rows 2j and 2j + 1 (x and y of landmark j) come from the head of j's cluster.
  owner.forEach((head, j) => {
    const names = splNames(head);
    const headWeight = params.get(names.weight) as Float32Array;
    const headBias = params.get(names.bias) as Float32Array;
    for (const row of [2 * j, 2 * j + 1]) {
      weight.set(
        headWeight.subarray(row * rowLength, (row + 1) * rowLength),
        row * rowLength,
      );
      bias[row] = headBias[row] as number;
    }
  });

  const parameters: Parameters = new Map(
    [...params].filter(([name]) => !name.startsWith('spl')),
  );
  parameters.set(first.weight, weight);
  parameters.set(first.bias, bias);
  return { definition: { ...def, heads: 1 }, parameters };
}

/** An m-head model whose heads all start as copies of a one-head model's SPL. */
export function replicateHead(
  def: ModelDefinition,
  params: Parameters,
  heads: number,
): { definition: ModelDefinition; parameters: Parameters } {
  const source = splNames(0);
  const weight = params.get(source.weight);
  const bias = params.get(source.bias);
  if (weight === undefined || bias === undefined) {
    throw new ConfigError('replicate: expected a model with an SPL 0, found none');
  }
  const parameters: Parameters = new Map(
    [...params].filter(([name]) => !name.startsWith('spl')),
  );
  for (let head = 0; head < heads; head++) {
    const names = splNames(head);
    parameters.set(names.weight, weight.slice());
    parameters.set(names.bias, bias.slice());
  }
  return { definition: { ...def, heads }, parameters };
}

/**
 * Per-head landmark weights for multi-center fine-tuning: alpha * u_j for the
 * landmarks of the head's cluster, u_j for the rest, each repeated for x and y.
 */
export function multiCenterWeights(
  scheme: Scheme,
  u: readonly number[],
  alpha: number,
): Float32Array {
  const n = scheme.numPoints;
  const weights = new Float32Array(scheme.clusters.length * 2 * n);
  scheme.clusters.forEach((cluster, head) => {
    const inCluster = new Set(cluster.points);
    for (let j = 0; j < n; j++) {
      const value = (u[j] ?? 1) * (inCluster.has(j) ? alpha : 1);
      weights[head * 2 * n + 2 * j] = value;
      weights[head * 2 * n + 2 * j + 1] = value;
    }
  });
  return weights;
}

/** Landmark weights u_j = n * e_j / sum_k e_k from measured errors (method.md section 5). */
export function weightsFromErrors(errors: readonly number[]): number[] {
  const total = errors.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return errors.map(() => 1);
  return errors.map((e) => (errors.length * e) / total);
}
