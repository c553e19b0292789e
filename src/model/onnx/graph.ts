/**
 * An ONNX graph builder: nodes, initialisers, inputs and outputs, serialised to a
 * standard ModelProto that ONNX Runtime (node and web) and any ONNX tool can open.
 */
import { ProtoWriter } from './protobuf.js';

/** ONNX tensor element types used by the toolkit. */
export type ElementType = 'float32' | 'float64' | 'int64' | 'bool';

const ELEMENT_CODE: Record<ElementType, number> = {
  float32: 1,
  bool: 9,
  int64: 7,
  float64: 11,
};

/** One dimension: a fixed size or a symbolic name such as `'batch'`. */
export type Dim = number | string;

/** An attribute value; arrays of numbers are written as INTS unless marked as floats. */
export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string };

/** Shorthands for attributes. */
export const attr = {
  int: (value: number): Attribute => ({ kind: 'int', value }),
  float: (value: number): Attribute => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attribute => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attribute => ({ kind: 'floats', value }),
  string: (value: string): Attribute => ({ kind: 'string', value }),
};

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

interface ValueInfo {
  name: string;
  type: ElementType;
  shape: readonly Dim[];
}

interface Initializer {
  name: string;
  type: ElementType;
  dims: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

/** The ONNX opset every graph of the toolkit is written against. */
export const OPSET = 17;

/** Builds one ONNX graph. Tensor names are generated unless given. */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  /**
   * @param floatType element type of every floating-point tensor (float64 serves the
   *   gradient tests)
   */
  constructor(readonly floatType: 'float32' | 'float64' = 'float32') {}

  /** A fresh tensor name with a readable prefix. */
  fresh(prefix = 't'): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  /** Declares a graph input; `type` defaults to the builder's float type. */
  input(name: string, shape: readonly Dim[], type?: ElementType): string {
    this.inputs.push({ name, type: type ?? this.floatType, shape });
    return name;
  }

  /** Declares an existing tensor as a graph output, renaming it through Identity. */
  output(
    tensor: string,
    name: string,
    shape: readonly Dim[],
    type?: ElementType,
  ): string {
    if (tensor !== name) this.nodes.push(identityNode(tensor, name));
    this.outputs.push({ name, type: type ?? this.floatType, shape });
    return name;
  }

  /** Adds a constant float tensor (in the builder's float type) as an initialiser. */
  floats(values: ArrayLike<number>, dims: readonly number[], name?: string): string {
    const data =
      this.floatType === 'float64'
        ? Float64Array.from(values)
        : Float32Array.from(values);
    const tensorName = name ?? this.fresh('const');
    this.initializers.push({ name: tensorName, type: this.floatType, dims, data });
    return tensorName;
  }

  /** A scalar float constant, shared between uses of the same value. */
  scalar(value: number): string {
    const key = `f${value}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.floats([value], []);
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds), shared between equal uses. */
  ints(values: readonly number[]): string {
    const key = `i${values.join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.fresh('ints');
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, type: 'int64', dims: [values.length], data });
    this.constants.set(key, name);
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  op(op: string, inputs: string[], attributes: Record<string, Attribute> = {}): string {
    const output = this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  }

  /** Adds a node with several outputs and returns their names. */
  opN(
    op: string,
    inputs: string[],
    count: number,
    attributes: Record<string, Attribute> = {},
  ): string[] {
    const outputs = Array.from({ length: count }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({ op, inputs, outputs, attributes });
    return outputs;
  }

  /** Serialises the graph as an ONNX ModelProto. */
  toModel(graphName: string, metadata: Record<string, string> = {}): Uint8Array {
    const writer = new ProtoWriter();
    writer.int(1, 8); // ir_version
    writer.string(2, 'dmcl');
    writer.string(3, '1');
    writer.message(8, (w) => w.string(1, '').int(2, OPSET));
    writer.message(7, (graph) => this.writeGraph(graph, graphName));
    for (const [key, value] of Object.entries(metadata)) {
      writer.message(14, (w) => w.string(1, key).string(2, value));
    }
    return writer.finish();
  }

  private writeGraph(graph: ProtoWriter, graphName: string): void {
    for (const node of this.nodes) graph.message(1, (w) => writeNode(w, node));
    graph.string(2, graphName);
    for (const init of this.initializers) graph.message(5, (w) => writeTensor(w, init));
    for (const info of this.inputs) graph.message(11, (w) => writeValueInfo(w, info));
    for (const info of this.outputs) graph.message(12, (w) => writeValueInfo(w, info));
  }
}

function identityNode(input: string, output: string): Node {
  return { op: 'Identity', inputs: [input], outputs: [output], attributes: {} };
}

function writeNode(w: ProtoWriter, node: Node): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.outputs[0] ?? node.op);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes)) {
    w.message(5, (a) => writeAttribute(a, name, value));
  }
}

function writeAttribute(w: ProtoWriter, name: string, value: Attribute): void {
  w.string(1, name);
  switch (value.kind) {
    case 'int':
      w.int(3, value.value).int(20, 2);
      break;
    case 'float':
      w.float(2, value.value).int(20, 1);
      break;
    case 'ints':
      for (const v of value.value) w.int(8, v);
      w.int(20, 7);
      break;
    case 'floats':
      for (const v of value.value) w.float(7, v);
      w.int(20, 6);
      break;
    case 'string':
      w.string(4, value.value).int(20, 3);
      break;
  }
}

function writeTensor(w: ProtoWriter, init: Initializer): void {
  for (const d of init.dims) w.int(1, d);
  w.int(2, ELEMENT_CODE[init.type]);
  w.string(8, init.name);
  const raw = new Uint8Array(
    init.data.buffer,
    init.data.byteOffset,
    init.data.byteLength,
  );
  w.bytes(9, raw);
}

function writeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEMENT_CODE[info.type]);
      tensor.message(2, (shape) => {
        for (const d of info.shape) {
          shape.message(1, (dim) =>
            typeof d === 'number' ? dim.int(1, d) : dim.string(2, d),
          );
        }
      });
    }),
  );
}
