/**
 * Landmark schemes as data: point names, regions, left/right flip partners, DMCL
 * clusters and the points that normalise the error (method.md sections 1, 5 and 7).
 * Every later step (training, flip augmentation, clusters, evaluation, drawing)
 * reads the scheme and nothing else, so a new markup needs only a JSON file.
 */

import { ConfigError } from '../errors.js';
import ibug68Data from './ibug68.json' with { type: 'json' };

/**
 * How a face's error is normalised (method.md section 7).
 *
 * - `eye-centroid`: distance between the centroids of two point sets (for 68 points,
 *   37-42 and 43-48; the DMCL authors' choice, often called "inter-pupil").
 * - `outer-eye-corners`: distance between two points (for 68 points, 37 and 46; often
 *   called "inter-ocular").
 * - `box-diagonal`: diagonal of the face box, by default the tight box of the ground
 *   truth; needs no scheme data.
 */
export type NormaliserName = 'eye-centroid' | 'outer-eye-corners' | 'box-diagonal';

/** Every normaliser name, in the order reports list them. */
export const NORMALISER_NAMES: readonly NormaliserName[] = [
  'eye-centroid',
  'outer-eye-corners',
  'box-diagonal',
];

/** The scheme data behind the point-based normalisers; both are optional. */
export interface SchemeNormalisers {
  /** Two point sets (0-based) whose centroids give the distance. */
  'eye-centroid'?: [number[], number[]];
  /** Two points (0-based) whose distance is the normaliser. */
  'outer-eye-corners'?: [number, number];
}

/** One DMCL cluster: semantically related points that share a shape prediction head. */
export interface SchemeCluster {
  /** A short name, unique within the scheme. */
  name: string;
  /** 0-based point indices. */
  points: number[];
}

/**
 * A landmark scheme. All indices are 0-based; points are stored interleaved
 * `[x1, y1, x2, y2, ...]` everywhere in this package.
 */
export interface Scheme {
  /** A short identifier, e.g. `ibug68`; models and reports carry it. */
  name: string;
  /** Free text for humans; empty when the file has none. */
  description: string;
  /** Number of landmarks n. */
  numPoints: number;
  /** n unique point names. */
  pointNames: string[];
  /** Named groups of 0-based indices (for drawing and per-region reports). */
  regions: Record<string, number[]>;
  /**
   * Left/right partners, 0-based: after a horizontal flip, point i takes the mirrored
   * position of original point `flipPartners[i]`. An involution (partner of the
   * partner is the point itself); points on the symmetry axis are their own partner.
   */
  flipPartners: number[];
  /** DMCL clusters (method.md section 5): a partition of all n points. */
  clusters: SchemeCluster[];
  /** Point sets of the point-based normalisers; `box-diagonal` always works. */
  normalisers: SchemeNormalisers;
}

/**
 * The normalisers a scheme supports, in report order: the point-based ones it has
 * data for, then `box-diagonal`.
 */
export function availableNormalisers(scheme: Scheme): NormaliserName[] {
  return NORMALISER_NAMES.filter(
    (name) => name === 'box-diagonal' || scheme.normalisers[name] !== undefined,
  );
}

/**
 * The normaliser a scheme's reports and losses lead with: `eye-centroid` when the
 * scheme has it (the DMCL authors' choice), else `outer-eye-corners`, else
 * `box-diagonal`.
 */
export function defaultNormaliser(scheme: Scheme): NormaliserName {
  return availableNormalisers(scheme)[0] ?? 'box-diagonal';
}

/**
 * Checks a parsed scheme JSON value and returns a fresh 0-based `Scheme`.
 *
 * File layout (JSON object):
 * - `name` (string, required); `description` (string, optional)
 * - `indexBase` (0 or 1, default 0): the base of every index in the file
 * - `numPoints` (positive integer, required)
 * - `pointNames` (n unique strings, default `point-1` ... `point-n`)
 * - `regions` (object of index arrays, default `{}`)
 * - `flipPartners` (n indices) or `flipPairs` (list of `[a, b]`; unlisted points are
 *   their own partner): exactly one of the two is required
 * - `clusters` (list of `{ name, points }` covering every point once, default one
 *   cluster `all`)
 * - `normalisers` (optional object): `eye-centroid`: `[[...], [...]]`,
 *   `outer-eye-corners`: `[a, b]`; a `box-diagonal` key is accepted and ignored
 *
 * @param value the parsed JSON
 * @param source the file name (or other origin) that error messages name
 * @throws ConfigError saying which field is wrong, what was expected and what was found
 */
export function validateScheme(value: unknown, source: string): Scheme {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`${source}: ${field}: ${problem}`);
  };
  if (!isObject(value))
    fail('scheme', `expected a JSON object, found ${describe(value)}`);
  const raw = value as Record<string, unknown>;

  // Scalar fields
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '') {
    fail('name', `expected a non-empty string, found ${describe(name)}`);
  }
  const description = raw.description ?? '';
  if (typeof description !== 'string') {
    fail('description', `expected a string, found ${describe(description)}`);
  }
  const base = raw.indexBase ?? 0;
  if (base !== 0 && base !== 1)
    fail('indexBase', `expected 0 or 1, found ${describe(base)}`);
  const n = raw.numPoints;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    fail('numPoints', `expected a positive integer, found ${describe(n)}`);
  }
  const numPoints = n as number;
  const indexBase = base as number;

  // Indices: converted to 0-based, each checked against the point range
  const index = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      fail(field, `expected an integer point index, found ${describe(v)}`);
    }
    const i = (v as number) - indexBase;
    if (i < 0 || i >= numPoints) {
      const range = `${indexBase}..${numPoints - 1 + indexBase}`;
      fail(field, `expected an index in ${range} (indexBase ${indexBase}), found ${v}`);
    }
    return i;
  };
  const indexList = (field: string, v: unknown, allowEmpty = false): number[] => {
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) {
      fail(field, `expected a non-empty array of point indices, found ${describe(v)}`);
    }
    return (v as unknown[]).map((item, k) => index(`${field}[${k}]`, item));
  };

  // Point names
  let pointNames: string[];
  if (raw.pointNames === undefined) {
    pointNames = Array.from({ length: numPoints }, (_, i) => `point-${i + 1}`);
  } else {
    const names = raw.pointNames;
    if (!Array.isArray(names) || names.length !== numPoints) {
      const found = Array.isArray(names) ? `${names.length} names` : describe(names);
      fail('pointNames', `expected ${numPoints} names (numPoints), found ${found}`);
    }
    pointNames = (names as unknown[]).map((item, k) => {
      if (typeof item !== 'string' || item === '') {
        fail(`pointNames[${k}]`, `expected a non-empty string, found ${describe(item)}`);
      }
      return item as string;
    });
    const duplicate = pointNames.find((item, k) => pointNames.indexOf(item) !== k);
    if (duplicate !== undefined) {
      fail('pointNames', `expected unique names, found "${duplicate}" twice`);
    }
  }

  // Regions
  const regions: Record<string, number[]> = {};
  const rawRegions = raw.regions ?? {};
  if (!isObject(rawRegions)) {
    fail('regions', `expected an object of index arrays, found ${describe(rawRegions)}`);
  }
  for (const [key, list] of Object.entries(rawRegions as Record<string, unknown>)) {
    regions[key] = indexList(`regions.${key}`, list);
  }

  const flipPartners = validateFlip(raw, numPoints, index, indexList, fail);
  const clusters = validateClusters(raw.clusters, numPoints, indexBase, indexList, fail);
  const normalisers = validateNormalisers(raw.normalisers, index, indexList, fail);
  return {
    name: name as string,
    description: description as string,
    numPoints,
    pointNames,
    regions,
    flipPartners,
    clusters,
    normalisers,
  };
}

/**
 * The scheme as a JSON-ready object (0-based, `indexBase: 0`) that `validateScheme`
 * reads back unchanged; models and reports embed it.
 */
export function schemeToJson(scheme: Scheme): Record<string, unknown> {
  return {
    name: scheme.name,
    description: scheme.description,
    indexBase: 0,
    numPoints: scheme.numPoints,
    pointNames: [...scheme.pointNames],
    regions: structuredClone(scheme.regions),
    flipPartners: [...scheme.flipPartners],
    clusters: structuredClone(scheme.clusters),
    normalisers: structuredClone(scheme.normalisers),
  };
}

/**
 * Reorders interleaved points for a horizontal flip: point i of the result is
 * original point `flipPartners[i]` (coordinates are copied, not mirrored; mirror the
 * x values separately).
 */
export function permuteForFlip(points: Float64Array, scheme: Scheme): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < scheme.numPoints; i++) {
    const j = scheme.flipPartners[i] as number;
    out[2 * i] = points[2 * j] as number;
    out[2 * i + 1] = points[2 * j + 1] as number;
  }
  return out;
}

type Fail = (field: string, problem: string) => never;
type IndexFn = (field: string, v: unknown) => number;
type IndexListFn = (field: string, v: unknown, allowEmpty?: boolean) => number[];

/** Flip partners from `flipPartners` or `flipPairs`, checked to be an involution. */
function validateFlip(
  raw: Record<string, unknown>,
  numPoints: number,
  index: IndexFn,
  indexList: IndexListFn,
  fail: Fail,
): number[] {
  const hasPartners = raw.flipPartners !== undefined;
  const hasPairs = raw.flipPairs !== undefined;
  if (hasPartners === hasPairs) {
    const found = hasPartners ? 'both' : 'neither';
    fail(
      'flipPartners',
      `expected exactly one of flipPartners or flipPairs, found ${found}`,
    );
  }

  // Pairs: every unlisted point is its own partner
  let partners: number[];
  if (hasPartners) {
    partners = indexList('flipPartners', raw.flipPartners);
    if (partners.length !== numPoints) {
      fail('flipPartners', `expected ${numPoints} entries, found ${partners.length}`);
    }
  } else {
    const pairs = raw.flipPairs;
    if (!Array.isArray(pairs))
      fail('flipPairs', `expected an array, found ${describe(pairs)}`);
    partners = Array.from({ length: numPoints }, (_, i) => i);
    const seen = new Set<number>();
    (pairs as unknown[]).forEach((pair, k) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        fail(`flipPairs[${k}]`, `expected a pair [a, b], found ${describe(pair)}`);
      }
      const a = index(`flipPairs[${k}][0]`, (pair as unknown[])[0]);
      const b = index(`flipPairs[${k}][1]`, (pair as unknown[])[1]);
      if (seen.has(a) || seen.has(b)) {
        fail(
          `flipPairs[${k}]`,
          'expected each point in at most one pair, found a repeat',
        );
      }
      seen.add(a).add(b);
      partners[a] = b;
      partners[b] = a;
    });
  }

  // A flip applied twice must give back the original order
  partners.forEach((p, i) => {
    if (partners[p] !== i) {
      fail(
        'flipPartners',
        `expected an involution, but ${i} -> ${p} -> ${partners[p]} (0-based)`,
      );
    }
  });
  return partners;
}

/** Clusters, checked to be a partition of all points; default one cluster `all`. */
function validateClusters(
  value: unknown,
  numPoints: number,
  indexBase: number,
  indexList: IndexListFn,
  fail: Fail,
): SchemeCluster[] {
  if (value === undefined) {
    return [{ name: 'all', points: Array.from({ length: numPoints }, (_, i) => i) }];
  }
  if (!Array.isArray(value) || value.length === 0) {
    fail(
      'clusters',
      `expected a non-empty array of { name, points }, found ${describe(value)}`,
    );
  }

  // Each cluster, then the partition check
  const owner = new Array<string | undefined>(numPoints);
  const clusters = (value as unknown[]).map((item, k): SchemeCluster => {
    if (!isObject(item))
      fail(`clusters[${k}]`, `expected { name, points }, found ${describe(item)}`);
    const { name, points } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') {
      fail(`clusters[${k}].name`, `expected a non-empty string, found ${describe(name)}`);
    }
    const list = indexList(`clusters[${k}].points`, points);
    for (const i of list) {
      if (owner[i] !== undefined) {
        const what = `point ${i + indexBase} in both "${owner[i]}" and "${name as string}"`;
        fail('clusters', `expected a partition of the points, found ${what}`);
      }
      owner[i] = name as string;
    }
    return { name: name as string, points: list };
  });
  const missing = owner.findIndex((o) => o === undefined);
  if (missing >= 0) {
    const what = `point ${missing + indexBase} is in none`;
    fail('clusters', `expected every point in one cluster, ${what}`);
  }
  return clusters;
}

/** The point-based normalisers; unknown keys are refused. */
function validateNormalisers(
  value: unknown,
  index: IndexFn,
  indexList: IndexListFn,
  fail: Fail,
): SchemeNormalisers {
  const out: SchemeNormalisers = {};
  if (value === undefined) return out;
  if (!isObject(value))
    fail('normalisers', `expected an object, found ${describe(value)}`);

  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const field = `normalisers.${key}`;
    if (key === 'eye-centroid') {
      if (!Array.isArray(item) || item.length !== 2) {
        fail(field, `expected two point sets [[...], [...]], found ${describe(item)}`);
      }
      const sets = item as unknown[];
      out['eye-centroid'] = [
        indexList(`${field}[0]`, sets[0]),
        indexList(`${field}[1]`, sets[1]),
      ];
    } else if (key === 'outer-eye-corners') {
      if (!Array.isArray(item) || item.length !== 2) {
        fail(field, `expected two point indices [a, b], found ${describe(item)}`);
      }
      const pair = item as unknown[];
      out['outer-eye-corners'] = [
        index(`${field}[0]`, pair[0]),
        index(`${field}[1]`, pair[1]),
      ];
    } else if (key !== 'box-diagonal') {
      const known = NORMALISER_NAMES.join(', ');
      fail('normalisers', `expected only the keys ${known}, found "${key}"`);
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return `"${value.length > 40 ? value.slice(0, 40) + '...' : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Deep-freezes a scheme so the shared built-in cannot be changed by accident. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) freeze(item);
    Object.freeze(value);
  }
  return value;
}

/** The iBUG / 300-W 68-point scheme with the DMCL default clusters (m = 7). */
export const IBUG68: Scheme = freeze(
  validateScheme(ibug68Data, 'src/scheme/ibug68.json'),
);
