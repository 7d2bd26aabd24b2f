import { GraphBuilder } from './graph-builder';
import { emitTrainBackward } from './train-graph-backward';
import { type TrainGraphOptions, emitTrainForward } from './train-graph-forward';
import type { TrainLayer } from './train-graph-layers';

export type { TrainGraphOptions } from './train-graph-forward';

/**
 * The training graph of a Sequential model: one GraphDef holding the forward
 * pass (feeds: x and each layer's W̄ and bias; fetches: the logits and the
 * forward tensors the backward pass reads, {@link TrainGraph.saved}) and the
 * backward pass (feeds: x, the weights, those saved tensors and ∂L/∂logits;
 * fetches: ∂L/∂W̄ and ∂L/∂b of every layer). They are two runs of one
 * session: the backward run feeds the saved nodes, so TensorFlow does not
 * compute the forward pass again.
 *
 * What it does that the eager layer-by-layer pass cannot: a convolution with
 * bias and GroupSort(2) followed by ScaledL2NormPooling2D never writes its
 * sorted activation (an eager layer must return it); a first such layer, when
 * lipnet_ops has `LipnetConvBiasPairSortL2Pool`, never writes its convolution
 * either; no ∂L/∂x is computed for the input; and the step's hundreds of
 * small kernel dispatches become two session runs.
 */
export interface TrainGraph {
  graph: GraphBuilder;
  /** The input placeholder. */
  x: string;
  /** Per layer, its weights' placeholders: [W̄] or [W̄, b] ([] for a weightless layer). */
  weights: string[][];
  logits: string;
  /** Forward nodes the backward run is fed with (fetched by the forward run), in this order. */
  saved: string[];
  /** The placeholder of ∂L/∂logits. */
  dy: string;
  /** Per layer, the nodes of ∂L/∂W̄ and ∂L/∂b, matching {@link weights}. */
  grads: string[][];
}

/** The {@link TrainGraph} of `layers` on a batch of shape `inputShape` (static: one graph per batch size). */
export function trainGraph(layers: readonly TrainLayer[], inputShape: number[], o: TrainGraphOptions): TrainGraph {
  const g = new GraphBuilder();
  const x = g.placeholder('x', 'float', inputShape);
  const fwd = emitTrainForward(g, layers, x, inputShape, o);
  const dy = g.placeholder('dy', 'float', fwd.shape);
  const bwd = emitTrainBackward(g, fwd.entries, dy);
  const grads = fwd.weights.map((w, i) => {
    const d = bwd.grads.get(i) ?? [];
    if (d.length !== w.length)
      throw new Error(`trainGraph: layer ${i} has ${w.length} weights but ${d.length} gradients`);
    return d;
  });
  return { graph: g, x, weights: fwd.weights, logits: fwd.logits, saved: bwd.saved, dy, grads };
}
