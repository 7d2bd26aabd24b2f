import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, defineOptions, opt } from '@lipnet/core';
import { unsupported, type LayerBoundResult } from './bound/handler-registry';
import './bound/linear-handlers';
import './bound/pointwise-handlers';
import './bound/merge-handlers';
import { modelGraph, type GraphNode } from './bound/model-graph';
import { nodeBound, type NodeBound } from './bound/node-bound';
import {
  boundTable,
  headBounds,
  type HeadBounds,
  type LayerBound,
  type LipschitzUpperBound,
  type OutputBound,
} from './bound/bound-report';

export { registerLipschitzBoundHandler } from './bound/handler-registry';
export type { LayerBoundHandler, LayerBoundResult, MergeBoundResult } from './bound/handler-registry';
export type { HeadBounds, LayerBound, LipschitzUpperBound, OutputBound } from './bound/bound-report';

/** Options of {@link lipschitzUpperBound}. */
export interface LipschitzUpperBoundOptions {
  /**
   * Input shape without the batch axis (one per input for a model with several); defaults to the
   * model's. Needed when the model has free spatial sizes.
   */
  inputShape?: number[] | number[][];
  /**
   * Random-pair spot check of every layer's bound (or merge rule) against the layer's own
   * forward pass (`‖f(x) − f(x')‖ ≤ bound·‖x − x'‖`); throws
   * a LipnetError (code VERIFICATION_FAILED) when a layer does not behave as its className says. Default true.
   */
  verify?: boolean;
}

/** What is known about one symbolic tensor of the graph. */
interface TensorInfo {
  value: tf.Tensor;
  bound: number;
  estimate: number;
  /** Set when this tensor is the output of a linear Dense: its kernel and the bound of its input. */
  dense?: { kernel: NonNullable<LayerBoundResult['linearKernel']>; body: number };
}

const BOUND_OPTIONS = defineOptions('lipschitzUpperBound', {
  inputShape: opt.any(),
  verify: opt.boolean().default(true),
});

const symId = (t: tfl.SymbolicTensor) => (t as unknown as { id: number }).id;

function inputShapes(model: tfl.LayersModel, given: LipschitzUpperBoundOptions['inputShape']): number[][] {
  if (given) {
    const list = Array.isArray(given[0]) ? (given as number[][]) : [given as number[]];
    if (list.length !== model.inputs.length) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'lipschitzUpperBound',
        option: 'inputShape',
        message: `the model has ${model.inputs.length} inputs, but \`inputShape\` gives ${list.length} shape(s). Pass one shape per input (without the batch axis).`,
      });
    }
    return list;
  }
  return model.inputs.map((t) => {
    const s = t.shape.slice(1);
    if (s.some((d) => d == null)) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'lipschitzUpperBound',
        option: 'inputShape',
        message: `the model's input shape [${s.map((d) => d ?? 'null').join(', ')}] has free dimensions. Pass \`inputShape\` (without the batch axis), e.g. {inputShape: [28, 28, 1]}.`,
      });
    }
    return s as number[];
  });
}

/** A model used as a layer: its own bound (single input and output). */
function nestedBound(model: tfl.LayersModel, shape: number[], verify: boolean): NodeBound {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw unsupported(
      model,
      `is a nested model with ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
      'Nest only single-input, single-output models, or flatten the graph.',
    );
  }
  const r = lipschitzUpperBound(model, { inputShape: shape.slice(1), verify });
  return {
    bound: r.upperBound,
    estimate: r.estimate,
    method: `nested model of ${r.layers.length} calls: ${r.layers.map((l) => l.className).join(' → ')}`,
    propagate: ([b]) => r.upperBound * b!,
    propagateEstimate: ([e]) => r.estimate * e!,
  };
}

/** Bounds one call, computes its outputs on the inputs' values, and records both. */
function visitNode(node: GraphNode, idx: number, info: Map<number, TensorInfo>, verify: boolean): LayerBound {
  const ins = node.inputs.map((t) => info.get(symId(t))!);
  const shapes = ins.map((i) => i.value.shape.slice());
  const callArgs = { ...node.callArgs };
  delete callArgs['training'];
  const nb =
    node.layer instanceof tfl.LayersModel
      ? nestedBound(node.layer, shapes[0]!, verify)
      : nodeBound(node.layer, shapes, callArgs, verify, 2000 + 7 * idx);
  const bound = nb.propagate(ins.map((i) => i.bound));
  const estimate = nb.propagateEstimate(ins.map((i) => i.estimate));
  const out = tf.tidy(() => {
    const y = node.layer.apply(ins.length === 1 ? ins[0]!.value : ins.map((i) => i.value), callArgs);
    return (Array.isArray(y) ? y : [y]) as tf.Tensor[];
  });
  node.outputs.forEach((t, i) => {
    const dense = nb.linearKernel ? { kernel: nb.linearKernel, body: ins[0]!.bound } : undefined;
    info.set(symId(t), { value: out[i]!, bound, estimate, ...(dense ? { dense } : {}) });
  });
  return {
    name: node.layer.name,
    className: node.layer.getClassName(),
    inputShape: shapes[0]!,
    bound: nb.bound,
    estimate: nb.estimate,
    method: nb.method,
    ...(nb.exportedAs ? { exportedAs: nb.exportedAs } : {}),
    inputs: node.inputs.map((t) => (t as unknown as { sourceLayer: tfl.layers.Layer }).sourceLayer.name),
    outputBound: bound,
  };
}

/**
 * A certified upper bound of a model's L2 Lipschitz constant, computed from the layers as they
 * run, independently of their nominal constants, for any graph: a chain, branches and merges
 * (residual `Add`, `Concatenate`, `Average`, `LipResidual`, …), several inputs or outputs, nested
 * and shared layers. Every symbolic tensor t of the graph gets a bound L(t) of t as a function of
 * the model's inputs (concatenated; each input has L = 1): a one-input layer multiplies its
 * input's bound by its own constant, a merge combines its inputs' bounds (`Σ|c_i|·L_i` for
 * weighted sums, `√(Σ L_i²)` for concatenation and element-wise max/min). For a chain this is
 * the product of the per-layer bounds.
 *
 * Per layer (see the README for each derivation): Dense — σ_max(kernel), power iteration certified
 * by a Cholesky factorisation; Conv1D/Conv2D/Conv2DTranspose/DepthwiseConv2D/SeparableConv2D (any
 * padding, stride, dilation) on the real input size — `certifiedConvNorm` (Fourier/polyphase and
 * banded Cholesky certificates); average pools — Schur test; L2-norm and max pools, sorts, MaxMin,
 * Householder, activations, BatchNormalization (inference), PReLU, padding, reshapes — closed
 * forms; @lipnet Condensable layers — through the plain layers they export to (the kernel they
 * run, after checking the export computes the same outputs). Layers that cannot be bounded
 * (LayerNormalization, Multiply, recurrent layers, unknown classNames) throw LipnetUnsupportedError (code UNSUPPORTED_LAYER)
 * naming the layer, its className, why, and what to do; add support with
 * `registerLipschitzBoundHandler`. Each bound is spot-checked on random pairs through the running
 * layer (`verify`). When the (single) output is a linear Dense, `heads` gives per-logit and
 * logit-difference bounds. The bound covers the real-valued function of the float32 weights,
 * not the float32 rounding of the forward pass itself (≈ 1e-7 relative).
 * deel-lip: `compute_model_sv` (SVD of explicit operators; no certificate).
 *
 * @example
 * const b = lipschitzUpperBound(model);
 * console.log(b.toString());  // per-call table and the model's bound
 * const radii = certificatesFromBound(model.predict(x) as tf.Tensor, b);
 */
export function lipschitzUpperBound(
  model: tfl.LayersModel,
  options: LipschitzUpperBoundOptions = {},
): LipschitzUpperBound {
  const parsed = BOUND_OPTIONS.parse(options);
  const verify = parsed.verify;
  const shapes = inputShapes(model, parsed.inputShape as LipschitzUpperBoundOptions['inputShape']);
  const graph = modelGraph(model);
  const info = new Map<number, TensorInfo>();
  const table: LayerBound[] = [];
  try {
    graph.inputs.forEach((t, i) => info.set(symId(t), { value: tf.zeros([1, ...shapes[i]!]), bound: 1, estimate: 1 }));
    graph.nodes.forEach((node, idx) => table.push(visitNode(node, idx, info, verify)));
    const outputs: OutputBound[] = graph.outputs.map((t) => {
      const o = info.get(symId(t))!;
      const heads: HeadBounds | undefined = o.dense ? headBounds(o.dense.kernel, o.dense.body) : undefined;
      const name = (t as unknown as { sourceLayer: tfl.layers.Layer }).sourceLayer.name;
      return { name, upperBound: o.bound, estimate: o.estimate, ...(heads ? { heads } : {}) };
    });
    const joint = (f: (o: OutputBound) => number) =>
      outputs.length === 1 ? f(outputs[0]!) : Math.sqrt(outputs.reduce((s, o) => s + f(o) ** 2, 0));
    const report = {
      upperBound: joint((o) => o.upperBound),
      estimate: joint((o) => o.estimate),
      layers: table,
      ...(outputs.length === 1 && outputs[0]!.heads ? { heads: outputs[0]!.heads } : {}),
      outputs,
    };
    return { ...report, toString: () => boundTable(report) };
  } finally {
    for (const i of info.values()) i.value.dispose();
  }
}
