/**
 * What demo4 proves about the exported model: `lipschitzUpperBound` of
 * @lipnet/certificates computed on the vanilla model as it runs (certified
 * spectral norms of each kernel and convolution operator on 28×28 inputs,
 * closed forms for GroupSort, pooling and flatten), the per-head and
 * logit-difference bounds of the last layer, and the sentences that say
 * exactly what this proves and what the notebook's nominal certificate assumes.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzUpperBound, type LayerBound, type LipschitzBoundLike } from '@lipnet/certificates';

/** One layer's row (results.json `bound.layers`): `LayerBound` of @lipnet/certificates, input shape without the batch axis. */
export type BoundLayerRow = Pick<LayerBound, 'name' | 'className' | 'inputShape' | 'bound' | 'estimate' | 'method'>;

/** The proven bound of the exported model (results.json `bound`). */
export interface ProvenBoundReport {
  /** Certified bound of the whole map x ↦ logits (product of the layer bounds). */
  upperBound: number;
  /** The same product with the power-iteration estimates. */
  estimate: number;
  layers: BoundLayerRow[];
  /** ‖w_i‖·B, the proven constant of logit f_i (B: the bound of everything before the last Dense). */
  perHead: number[];
  /** ‖w_i − w_j‖·B, the proven constant of f_i − f_j (the certificates use these). */
  pairwise: number[][];
  bodyBound: number;
  maxPerHead: number;
  maxPairwise: number;
  /** What is proven and what the nominal certificate assumes, in sentences (logged and reported). */
  statement: string[];
  /** Wall seconds to prove it. */
  seconds: number;
}

/** `lipschitzUpperBound` of the exported (vanilla) model as a JSON report, with its statement. */
export function proveBound(model: tfl.LayersModel): ProvenBoundReport {
  const t0 = performance.now();
  const b = lipschitzUpperBound(model);
  const seconds = (performance.now() - t0) / 1000;
  if (!b.heads) {
    throw new Error(
      'demo4: the exported model does not end with a linear Dense layer, so no per-head bound exists. This is a bug in the export.',
    );
  }
  const { perHead, pairwise, bodyBound } = b.heads;
  const maxPerHead = Math.max(...perHead);
  const maxPairwise = Math.max(...pairwise.flat());
  const layers = b.layers.map((l) => ({
    name: l.name,
    className: l.className,
    inputShape: l.inputShape.slice(1),
    bound: l.bound,
    estimate: l.estimate,
    method: l.method,
  }));
  return {
    upperBound: b.upperBound,
    estimate: b.estimate,
    layers,
    perHead,
    pairwise,
    bodyBound,
    maxPerHead,
    maxPairwise,
    statement: statement(layers, bodyBound, b.upperBound, maxPerHead, maxPairwise),
    seconds,
  };
}

/** The bound as `certificatesFromBound` reads it. */
export function boundLike(r: ProvenBoundReport): LipschitzBoundLike {
  return { upperBound: r.upperBound, heads: { perHead: r.perHead, pairwise: r.pairwise } };
}

/** How each layer that is not 1-Lipschitz by a closed form was bounded, e.g. "spectral_conv2d: certified Fourier/polyphase bound …". */
function methods(layers: BoundLayerRow[]): string {
  return layers
    .filter((l) => l.className === 'Conv2D' || l.className === 'Dense')
    .map((l) => `${l.name} ≤ ${l.bound.toFixed(6)} (${l.method})`)
    .join('; ');
}

function statement(layers: BoundLayerRow[], body: number, upper: number, head: number, pair: number): string[] {
  const f = (v: number) => v.toFixed(4);
  const nominalHolds = pair <= 2;
  return [
    `Proven (lipschitzUpperBound on the exported model, as it runs on 28×28 inputs; each constant is a certified upper bound computed in float64 from the float32 weights, not an estimate): ` +
      `${methods(layers)}; GroupSort, L2-norm pooling and Flatten are 1-Lipschitz (closed forms). ` +
      `So everything before the last Dense is ≤ B = ${f(body)}-Lipschitz, the model is ${f(upper)}-Lipschitz in L2, ` +
      `each logit f_i is ≤ ‖w_i‖·B ≤ ${f(head)}-Lipschitz and each difference f_i − f_j ≤ ‖w_i − w_j‖·B ≤ ${f(pair)}-Lipschitz (w_i: row i of the last kernel).`,
    `Proven certificates: radius(x) = min_j (f_c(x) − f_j(x)) / L_cj with those pairwise constants L_cj (c the predicted class): no L2 perturbation shorter than it changes the predicted class. Assumed: exact arithmetic in the forward pass (its float32 rounding, ≈ 1e-7 relative, is not covered).`,
    `Nominal certificates (the notebook's (top1 − top2)/2) assume every head is 1-Lipschitz, i.e. L_cj ≤ 2; ` +
      (nominalHolds
        ? `here the proven L_cj ≤ ${f(pair)} ≤ 2, so they hold too (by the proven bound, not by the construction).`
        : `here the proven L_cj reaches ${f(pair)} > 2, so the nominal radii can overstate by up to ${((pair / 2 - 1) * 100).toFixed(1)} %.`),
  ];
}
