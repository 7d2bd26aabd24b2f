/**
 * A TensorFlow GraphDef written from JavaScript, serialised as a SavedModel
 * (`saved_model.pb`, no variables) with tfjs-node's own protobuf messages
 * (`@tensorflow/tfjs-node/dist/proto/api_pb`, the classes its
 * `getMetaGraphsFromSavedModel` reads with). Nodes are added in topological
 * order; an input is `'node'` (output 0) or `'node:k'`.
 */
import type { ApiPb, PbAttrValue, PbNodeDef, PbTensorShape } from './api-pb';

export type { ApiPb } from './api-pb';

/** TensorFlow's DataType enum values this module writes. */
export const DT = { float: 1, int32: 3, bool: 10 } as const;
export type GraphDtype = keyof typeof DT;

/** An attribute value, tagged with its AttrValue field (built with {@link type}, {@link int}, {@link float}, …). */
export type AttrSpec =
  | { kind: 'type'; value: GraphDtype }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'shape'; value: number[] | null };

export const type = (value: GraphDtype): AttrSpec => ({ kind: 'type', value });
export const int = (value: number): AttrSpec => ({ kind: 'int', value });
export const float = (value: number): AttrSpec => ({ kind: 'float', value });
export const bool = (value: boolean): AttrSpec => ({ kind: 'bool', value });
export const str = (value: string): AttrSpec => ({ kind: 'string', value });
export const ints = (value: number[]): AttrSpec => ({ kind: 'ints', value });
export const shape = (value: number[] | null): AttrSpec => ({ kind: 'shape', value });

interface NodeSpec {
  name: string;
  op: string;
  inputs: string[];
  attrs: Record<string, AttrSpec>;
  tensor?: { dtype: GraphDtype; shape: number[]; bytes: Uint8Array };
}

/** A graph under construction: {@link op} returns the new node's name. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly names = new Set<string>();
  private readonly inputs: { name: string; dtype: GraphDtype; shape: number[] }[] = [];

  /** A `Placeholder` fed at each run, in the order they were declared. */
  placeholder(name: string, dtype: GraphDtype, dims: number[]): string {
    this.add({ name, op: 'Placeholder', inputs: [], attrs: { dtype: type(dtype), shape: shape(dims) } });
    this.inputs.push({ name, dtype, shape: dims });
    return name;
  }

  /** The placeholders, in declaration order. */
  get feeds(): readonly { name: string; dtype: GraphDtype; shape: number[] }[] {
    return this.inputs;
  }

  /** A `Const` of float32 or int32 values with shape `dims` (`[]`: a scalar). */
  constant(values: number[] | Float32Array | Int32Array, dtype: 'float' | 'int32', dims: number[]): string {
    const data = dtype === 'float' ? Float32Array.from(values) : Int32Array.from(values);
    const name = this.fresh('const');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.add({ name, op: 'Const', inputs: [], attrs: { dtype: type(dtype) }, tensor: { dtype, shape: dims, bytes } });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(v: number): string {
    return this.constant([v], 'float', []);
  }

  /** An int32 vector constant. */
  int32s(v: number[]): string {
    return this.constant(v, 'int32', [v.length]);
  }

  /** Node `op` on `inputs` with `attrs`; returns its name (the op in lower case, numbered). */
  op(op: string, inputs: string[], attrs: Record<string, AttrSpec> = {}): string {
    const name = this.fresh(op.toLowerCase());
    this.add({ name, op, inputs, attrs });
    return name;
  }

  /** A float32 op with `T` set: `Mul`, `AddV2`, `Sub`, … */
  f(op: string, ...inputs: string[]): string {
    return this.op(op, inputs, { T: type('float') });
  }

  /** An `Identity` of `x` named `name` (how the fetched outputs get fixed names). */
  identity(x: string, name: string, dtype: GraphDtype = 'float'): string {
    this.add({ name, op: 'Identity', inputs: [x], attrs: { T: type(dtype) } });
    return name;
  }

  /** The graph as a SavedModel with one MetaGraph tagged `tag`. */
  toSavedModel(pb: ApiPb, tag: string): Uint8Array {
    const graph = new pb.GraphDef();
    for (const n of this.nodes) graph.addNode(nodeDef(pb, n));
    const versions = new pb.VersionDef();
    versions.setProducer(1205);
    graph.setVersions(versions);
    const meta = new pb.MetaGraphDef();
    const info = new pb.MetaGraphDef.MetaInfoDef();
    info.addTags(tag);
    meta.setMetaInfoDef(info);
    meta.setGraphDef(graph);
    const model = new pb.SavedModel();
    model.setSavedModelSchemaVersion(1);
    model.addMetaGraphs(meta);
    return model.serializeBinary();
  }

  private fresh(prefix: string): string {
    let k = this.nodes.length;
    while (this.names.has(`${prefix}_${k}`)) k++;
    return `${prefix}_${k}`;
  }

  private add(n: NodeSpec): void {
    if (this.names.has(n.name)) throw new Error(`GraphBuilder: duplicate node name '${n.name}'`);
    this.names.add(n.name);
    this.nodes.push(n);
  }
}

function shapeProto(pb: ApiPb, dims: number[] | null): PbTensorShape {
  const s = new pb.TensorShape();
  if (dims === null) {
    s.setUnknownRank(true);
    return s;
  }
  for (const d of dims) {
    const dim = new pb.TensorShape.Dim();
    dim.setSize(d);
    s.addDim(dim);
  }
  return s;
}

function attrValue(pb: ApiPb, a: AttrSpec): PbAttrValue {
  const v = new pb.AttrValue();
  switch (a.kind) {
    case 'type':
      v.setType(DT[a.value]);
      break;
    case 'int':
      v.setI(a.value);
      break;
    case 'float':
      v.setF(a.value);
      break;
    case 'bool':
      v.setB(a.value);
      break;
    case 'string':
      v.setS(new TextEncoder().encode(a.value));
      break;
    case 'ints': {
      const list = new pb.AttrValue.ListValue();
      for (const i of a.value) list.addI(i);
      v.setList(list);
      break;
    }
    case 'shape':
      v.setShape(shapeProto(pb, a.value));
      break;
  }
  return v;
}

function nodeDef(pb: ApiPb, n: NodeSpec): PbNodeDef {
  const node = new pb.NodeDef();
  node.setName(n.name);
  node.setOp(n.op);
  for (const i of n.inputs) node.addInput(i);
  const map = node.getAttrMap();
  for (const [k, a] of Object.entries(n.attrs)) map.set(k, attrValue(pb, a));
  if (n.tensor) {
    const t = new pb.Tensor();
    t.setDtype(DT[n.tensor.dtype]);
    t.setTensorShape(shapeProto(pb, n.tensor.shape));
    t.setTensorContent(n.tensor.bytes);
    const v = new pb.AttrValue();
    v.setTensor(t);
    map.set('value', v);
  }
  return node;
}
