/**
 * The part of tfjs-node's generated protobuf classes (`dist/proto/api_pb`,
 * google-protobuf) that lipnet writes SavedModels with and its tests read
 * them back with: TensorFlow's SavedModel, MetaGraphDef, GraphDef, NodeDef,
 * AttrValue, TensorShapeProto and TensorProto messages.
 */

/** A protobuf map field (jspb.Map). */
export interface PbMap<V> {
  set(key: string, value: V): void;
  get(key: string): V | undefined;
}

export interface PbDim {
  setSize(n: number): void;
  getSize(): number;
}

export interface PbTensorShape {
  addDim(d: PbDim): void;
  getDimList(): PbDim[];
  setUnknownRank(b: boolean): void;
}

export interface PbTensor {
  setDtype(t: number): void;
  setTensorShape(s: PbTensorShape): void;
  setTensorContent(bytes: Uint8Array): void;
}

export interface PbListValue {
  addI(i: number): void;
}

export interface PbAttrValue {
  setType(t: number): void;
  setI(i: number): void;
  getI(): number;
  setF(f: number): void;
  getF(): number;
  setB(b: boolean): void;
  setS(s: Uint8Array): void;
  setList(l: PbListValue): void;
  setShape(s: PbTensorShape): void;
  getShape(): PbTensorShape;
  setTensor(t: PbTensor): void;
}

export interface PbNodeDef {
  setName(n: string): void;
  getName(): string;
  setOp(op: string): void;
  getOp(): string;
  addInput(i: string): void;
  getInputList(): string[];
  getAttrMap(): PbMap<PbAttrValue>;
}

export interface PbGraphDef {
  addNode(n: PbNodeDef): void;
  getNodeList(): PbNodeDef[];
  setVersions(v: PbVersionDef): void;
}

export interface PbVersionDef {
  setProducer(p: number): void;
}

export interface PbMetaInfoDef {
  addTags(t: string): void;
  getTagsList(): string[];
}

export interface PbMetaGraphDef {
  setMetaInfoDef(m: PbMetaInfoDef): void;
  getMetaInfoDef(): PbMetaInfoDef;
  setGraphDef(g: PbGraphDef): void;
  getGraphDef(): PbGraphDef;
}

export interface PbSavedModel {
  setSavedModelSchemaVersion(v: number): void;
  addMetaGraphs(m: PbMetaGraphDef): void;
  getMetaGraphsList(): PbMetaGraphDef[];
  serializeBinary(): Uint8Array;
}

/** The message classes, as `require('@tensorflow/tfjs-node/dist/proto/api_pb')` exports them. */
export interface ApiPb {
  SavedModel: (new () => PbSavedModel) & { deserializeBinary(bytes: Uint8Array): PbSavedModel };
  MetaGraphDef: (new () => PbMetaGraphDef) & { MetaInfoDef: new () => PbMetaInfoDef };
  GraphDef: new () => PbGraphDef;
  NodeDef: new () => PbNodeDef;
  AttrValue: (new () => PbAttrValue) & { ListValue: new () => PbListValue };
  TensorShape: (new () => PbTensorShape) & { Dim: new () => PbDim };
  Tensor: new () => PbTensor;
  VersionDef: new () => PbVersionDef;
}
