import type * as tfl from '@tensorflow/tfjs-layers';

type Sym = tfl.SymbolicTensor;

/** One call of a layer in a model's graph: its symbolic inputs and outputs. */
export interface GraphNode {
  layer: tfl.layers.Layer;
  inputs: Sym[];
  outputs: Sym[];
  /** The keyword arguments the layer was called with. */
  callArgs: Record<string, unknown>;
}

/** The layer calls of a model, in an order where each node's inputs come before it. */
export interface ModelGraph {
  inputs: Sym[];
  outputs: Sym[];
  nodes: GraphNode[];
}

interface SymInternals {
  sourceLayer: tfl.layers.Layer;
  inputs: Sym[];
  nodeIndex: number;
  callArgs?: Record<string, unknown>;
}

const internals = (t: Sym) => t as unknown as SymInternals & { id: number };

/**
 * The graph of `model` from its outputs back to its inputs (a Sequential, a functional model with
 * branches, merges, several inputs or outputs, shared layers — one node per call), following each
 * symbolic tensor's `sourceLayer` and `inputs`. Input layers are left out.
 */
export function modelGraph(model: tfl.LayersModel): ModelGraph {
  const byKey = new Map<string, GraphNode>();
  const order: GraphNode[] = [];
  const visit = (t: Sym, stack: Set<string>) => {
    const s = internals(t);
    if (s.sourceLayer.getClassName() === 'InputLayer' || s.inputs.length === 0) return;
    const key = `${s.sourceLayer.name}#${s.nodeIndex}`;
    let node = byKey.get(key);
    if (node) {
      if (!node.outputs.includes(t)) node.outputs.push(t);
      return;
    }
    if (stack.has(key)) return;
    stack.add(key);
    for (const i of s.inputs) visit(i, stack);
    stack.delete(key);
    node = { layer: s.sourceLayer, inputs: s.inputs.slice(), outputs: [t], callArgs: s.callArgs ?? {} };
    byKey.set(key, node);
    order.push(node);
  };
  for (const o of model.outputs) visit(o, new Set());
  // every output tensor of a node, in the layer's own order (a node may have several)
  for (const n of order) {
    const all = n.layer.inboundNodes[internals(n.outputs[0]!).nodeIndex]?.outputTensors;
    if (all && all.length > 1) n.outputs = all.slice();
  }
  return { inputs: model.inputs.slice(), outputs: model.outputs.slice(), nodes: order };
}
