/**
 * What a DMCL model file says about itself (its ONNX metadata, written by the
 * training export) and the checks that refuse a file of another format, format
 * version or landmark scheme. Browser-safe: no Node imports.
 */

import { ModelFormatError } from '../errors.js';
import { validateScheme, type Scheme } from '../scheme/scheme.js';
import { readOnnxMetadata } from './onnx-metadata.js';

/** The `format` metadata value of a DMCL inference model. */
export const MODEL_FORMAT = 'dmcl-model';

/** The `formatVersion` values this package reads. */
export const SUPPORTED_MODEL_VERSIONS: readonly string[] = ['1'];

/** The self-description of a DMCL model file. */
export interface ModelInfo {
  /** The `formatVersion` metadata value. */
  formatVersion: string;
  /** The landmark scheme the model predicts (0-based indices). */
  scheme: Scheme;
  /** Side of the square grey network input, in pixels (50 for DMCL). */
  inputSize: number;
  /** Factor by which the face box's larger side is enlarged for the crop (1.1). */
  enlarge: number;
  /** Number of landmarks; equals `scheme.numPoints`. */
  numPoints: number;
  /** Every metadata property, as stored. */
  metadata: Readonly<Record<string, string>>;
}

/**
 * Reads and checks a model's metadata.
 *
 * @param bytes the `.onnx` file
 * @param source what error messages call the model (its path, or "model buffer")
 * @param expected the scheme the caller wants; a model of another scheme (another
 *   name or point count) is refused. Default: accept the model's own scheme.
 * @throws ModelFormatError for another format, an unsupported version, missing or
 *   malformed metadata, or a scheme other than `expected`
 */
export function readModelInfo(
  bytes: Uint8Array,
  source: string,
  expected?: Scheme,
): ModelInfo {
  const metadata = readOnnxMetadata(bytes, source);
  const fail = (problem: string): never => {
    throw new ModelFormatError(`${source}: ${problem}`);
  };

  // Format and version first: they decide how to read everything else
  const format = metadata.format;
  if (format !== MODEL_FORMAT) {
    const found = format === undefined ? 'no format property' : `"${format}"`;
    fail(`expected an ONNX model with metadata format "${MODEL_FORMAT}", found ${found}`);
  }
  const formatVersion = metadata.formatVersion ?? '';
  if (!SUPPORTED_MODEL_VERSIONS.includes(formatVersion)) {
    const known = SUPPORTED_MODEL_VERSIONS.join(', ');
    fail(`expected formatVersion ${known}, found "${formatVersion}"; update dmcl`);
  }

  // The scheme, stored as the JSON of schemeToJson
  let scheme: Scheme;
  try {
    scheme = validateScheme(JSON.parse(metadata.scheme ?? 'null'), `${source}: scheme`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const problem = `expected a scheme JSON in the metadata, ${why}`;
    throw new ModelFormatError(`${source}: ${problem}`, { cause: error });
  }
  if (
    expected !== undefined &&
    (scheme.name !== expected.name || scheme.numPoints !== expected.numPoints)
  ) {
    const want = `${expected.name} (${expected.numPoints} points)`;
    const found = `${scheme.name} (${scheme.numPoints} points)`;
    fail(`expected a model of the ${want} scheme, found ${found}`);
  }

  // Crop geometry and output size
  const inputSize = positiveNumber(metadata, 'inputSize', fail);
  const enlarge = positiveNumber(metadata, 'enlarge', fail);
  const numPoints = positiveNumber(metadata, 'numPoints', fail);
  if (!Number.isInteger(inputSize) || inputSize < 2) {
    fail(`expected inputSize to be an integer >= 2, found ${inputSize}`);
  }
  if (numPoints !== scheme.numPoints) {
    const found = `numPoints ${numPoints} but scheme ${scheme.name} has ${scheme.numPoints}`;
    fail(`expected numPoints to match the scheme, found ${found}`);
  }
  return { formatVersion, scheme, inputSize, enlarge, numPoints, metadata };
}

function positiveNumber(
  metadata: Record<string, string>,
  key: string,
  fail: (problem: string) => never,
): number {
  const text = metadata[key];
  const value = Number(text);
  if (
    text === undefined ||
    text.trim() === '' ||
    !(value > 0) ||
    !Number.isFinite(value)
  ) {
    const found = text === undefined ? 'nothing' : `"${text}"`;
    fail(`expected metadata ${key} to be a positive number, found ${found}`);
  }
  return value;
}
