/**
 * One versioned file holding a definition and its parameters (`.dmcl`):
 *
 *   "DMCL" | u32 format version | u32 header length | header JSON | pad to 4 |
 *   float32 tensors | u32 CRC-32 of everything before it
 *
 * All integers little endian. The header lists each tensor's name, shape and offset,
 * plus free-form metadata (scheme name, training stage, optimiser step ...).
 */
import { ModelFormatError } from '../errors.js';
import { validateDefinition, type ModelDefinition } from './definition.js';
import { checkParameters, paramSpecs, sizeOf, type Parameters } from './parameters.js';

/** The format version this build writes and reads. */
export const PARAMETER_FILE_VERSION = 1;

const MAGIC = [0x44, 0x4d, 0x43, 0x4c]; // "DMCL"

/** What a parameter file holds. */
export interface ParameterFile {
  readonly definition: ModelDefinition;
  readonly parameters: Parameters;
  /** Free-form, JSON-serialisable metadata. */
  readonly metadata: Record<string, unknown>;
}

interface Header {
  definition: ModelDefinition;
  tensors: { name: string; shape: number[]; offset: number }[];
  metadata: Record<string, unknown>;
}

/** Serialises a definition, its parameters and metadata into one buffer. */
export function encodeParameterFile(file: ParameterFile): Uint8Array {
  // Lay out the tensors one after the other, in float32 elements.
  const shapes = new Map(paramSpecs(file.definition).map((s) => [s.name, [...s.shape]]));
  const tensors: Header['tensors'] = [];
  let offset = 0;
  for (const [name, values] of file.parameters) {
    tensors.push({ name, shape: shapes.get(name) ?? [values.length], offset });
    offset += values.length;
  }
  const header: Header = {
    definition: file.definition,
    tensors,
    metadata: file.metadata,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));

  // Magic, version, header, padding, data, checksum.
  const dataStart = align4(12 + headerBytes.length);
  const total = dataStart + offset * 4 + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, PARAMETER_FILE_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  bytes.set(headerBytes, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  for (const tensor of tensors) {
    data.set(file.parameters.get(tensor.name) ?? [], tensor.offset);
  }
  view.setUint32(total - 4, crc32(bytes.subarray(0, total - 4)), true);
  return bytes;
}

/**
 * Reads a buffer written by {@link encodeParameterFile}.
 * @param source file name used in error messages
 * @throws ModelFormatError for a foreign, damaged, truncated or newer-version file
 */
export function decodeParameterFile(bytes: Uint8Array, source: string): ParameterFile {
  // Magic and version first, so a foreign file gets the plainest message.
  if (bytes.length < 16 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const seen = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0'));
    throw new ModelFormatError(
      `${source}: not a DMCL parameter file (expected magic 44 4d 43 4c, got ${seen.join(' ')})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== PARAMETER_FILE_VERSION) {
    throw new ModelFormatError(
      `${source}: parameter file format version ${version}, this build reads version ` +
        `${PARAMETER_FILE_VERSION}`,
    );
  }

  // The checksum covers everything but itself.
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw new ModelFormatError(
      `${source}: damaged file (CRC-32 expected ${hex(stored)}, computed ${hex(actual)})`,
    );
  }

  // Header, then the tensors it lists.
  const headerLength = view.getUint32(8, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (cause) {
    throw new ModelFormatError(`${source}: unreadable header JSON`, { cause });
  }
  const dataStart = align4(12 + headerLength);
  const count = (bytes.length - 4 - dataStart) / 4;
  // Copy out (a Node Buffer's slice() is a view) into an aligned float32 array.
  const copy = new Uint8Array(count * 4);
  copy.set(bytes.subarray(dataStart, dataStart + count * 4));
  const data = new Float32Array(copy.buffer);
  const parameters: Parameters = new Map();
  for (const tensor of header.tensors) {
    const length = sizeOf(tensor.shape);
    if (tensor.offset + length > count) {
      throw new ModelFormatError(
        `${source}: tensor ${tensor.name} runs past the end of the data`,
      );
    }
    parameters.set(tensor.name, data.slice(tensor.offset, tensor.offset + length));
  }

  const definition = validateDefinition(header.definition);
  checkParameters(definition, parameters, source);
  return { definition, parameters, metadata: header.metadata ?? {} };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), the checksum of zip and PNG. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
