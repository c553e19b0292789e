/**
 * Reads the `metadata_props` of a serialised ONNX model (ModelProto field 14, each
 * a StringStringEntryProto with key = 1 and value = 2) without a protobuf library
 * and without touching the graph. ONNX Runtime's JavaScript API does not expose
 * these properties, and this file must run in browsers too: no Node imports.
 */

import { ModelFormatError } from '../errors.js';

const METADATA_PROPS = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The model's metadata properties as a plain object (a repeated key keeps its last
 * value, as ONNX Runtime does).
 *
 * @param bytes the `.onnx` file
 * @param source what error messages call the model (its path, or "model buffer")
 * @throws ModelFormatError when the bytes are not a well-formed protobuf message
 */
export function readOnnxMetadata(
  bytes: Uint8Array,
  source: string,
): Record<string, string> {
  const props: Record<string, string> = {};
  const reader = new ProtoReader(bytes, source);
  while (!reader.done()) {
    const { field, wireType } = reader.key();
    if (field !== METADATA_PROPS || wireType !== 2) {
      reader.skip(wireType);
      continue;
    }

    // One StringStringEntryProto: key and value, both optional strings
    const entry = new ProtoReader(reader.bytes(), source);
    let key = '';
    let value = '';
    while (!entry.done()) {
      const inner = entry.key();
      if (inner.wireType === 2 && inner.field === ENTRY_KEY) key = entry.text();
      else if (inner.wireType === 2 && inner.field === ENTRY_VALUE) value = entry.text();
      else entry.skip(inner.wireType);
    }
    props[key] = value;
  }
  return props;
}

/** A cursor over one protobuf message: keys, varints and length-delimited fields. */
class ProtoReader {
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly source: string,
  ) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next field number and wire type. */
  key(): { field: number; wireType: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) this.fail('a field number >= 1, found 0');
    return { field, wireType: key % 8 };
  }

  /** A varint as a number (exact up to 2^53, enough for every length here). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('a complete varint, found the end');
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return this.fail('a varint of at most 10 bytes, found a longer one');
  }

  /** The payload of a length-delimited field, as a view (no copy). */
  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.buf.length) {
      const left = this.buf.length - this.pos;
      this.fail(`a field of ${length} bytes, found ${left} bytes left`);
    }
    const view = this.buf.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  /** A length-delimited UTF-8 string. */
  text(): string {
    try {
      return decoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      return this.fail('UTF-8 text in a metadata entry, found invalid bytes');
    }
  }

  /** Skips a field's value by its wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.advance(4);
    else this.fail(`a wire type 0, 1, 2 or 5, found ${wireType}`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.buf.length) this.fail(`${n} more bytes, found the end`);
    this.pos += n;
  }

  private fail(problem: string): never {
    throw new ModelFormatError(
      `${this.source}: expected an ONNX model (protobuf), ${problem} at byte ${this.pos}`,
    );
  }
}
