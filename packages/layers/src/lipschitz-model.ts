import * as tfl from '@tensorflow/tfjs-layers';
import { defineOptions, opt, refuseOption } from '@lipnet/core';
import { isLipschitzLayer } from './lipschitz-layer';
import { isSupported1LipLayer } from './sequential';

/** Arguments of {@link lipschitzModel}. */
export interface LipschitzModelArgs {
  /** Input(s) of the graph, from `tfl.input`. */
  inputs: tfl.SymbolicTensor | tfl.SymbolicTensor[];
  /** Output(s) of the graph. */
  outputs: tfl.SymbolicTensor | tfl.SymbolicTensor[];
  /** Model name. */
  name?: string;
  /** Called with each warning (default `console.warn`); pass `() => {}` to silence. */
  warn?: (message: string) => void;
}

/** A symbolic tensor (from `tfl.input` or a layer's `apply`) or a non-empty array of them. */
const symbolic = opt.custom<tfl.SymbolicTensor | tfl.SymbolicTensor[]>(
  'a SymbolicTensor or an array of them',
  (v, ctx) => {
    const all = Array.isArray(v) ? v : [v];
    if (all.length === 0 || !all.every((t) => t instanceof tfl.SymbolicTensor))
      refuseOption(
        ctx,
        v,
        'a SymbolicTensor or a non-empty array of them',
        'Pass tfl.input({shape}) and what layers apply to it.',
      );
    return v as tfl.SymbolicTensor | tfl.SymbolicTensor[];
  },
);

/** The options of {@link lipschitzModel}, declared once. */
const LIPSCHITZ_MODEL_OPTIONS = defineOptions('lipschitzModel', {
  inputs: symbolic.required(),
  outputs: symbolic.required(),
  name: opt.string(),
  warn: opt.func<(message: string) => void>(),
});

/** Merge layers whose Lipschitz constant a graph bound accounts for per input (not 1-Lipschitz alone). */
const MERGES = new Set(['Add', 'Average', 'Concatenate', 'LipResidual', 'Subtract']);

/** Whether a layer states its own Lipschitz constant (`lipschitzBound()`), e.g. the torchlip normalisations. */
function hasOwnBound(layer: tfl.layers.Layer): boolean {
  return typeof (layer as unknown as { lipschitzBound?: unknown }).lipschitzBound === 'function';
}

/**
 * A functional (graph) tfjs model of @lipnet layers — residual connections, several inputs
 * or outputs — the counterpart of deel-lip's `deel.lip.model.Model`. Like deel-lip, there is
 * no global `kCoefLip` (constants multiply along paths and add over branches, so one k cannot
 * be spread over the layers); {@link condense} and {@link vanillaExport} work on it as on a
 * Sequential, and `lipschitzUpperBound` (@lipnet/certificates) bounds it. Warns for each layer
 * that is neither a Lipschitz layer, 1-Lipschitz by nature, a merge (Add, Concatenate,
 * LipResidual, …) nor a layer stating its own `lipschitzBound()`.
 *
 * @example
 * const x = tfl.input({shape: [8]});
 * const h = spectralDense({units: 8}).apply(x) as tfl.SymbolicTensor;
 * const model = lipschitzModel({inputs: x, outputs: lipResidual().apply([x, h]) as tfl.SymbolicTensor});
 */
export function lipschitzModel(args: LipschitzModelArgs): tfl.LayersModel {
  const o = LIPSCHITZ_MODEL_OPTIONS.parse(args);
  const model = tfl.model({ inputs: o.inputs, outputs: o.outputs, name: o.name });
  const warn = o.warn ?? ((m: string) => console.warn(m));
  for (const l of model.layers) {
    const ok = isLipschitzLayer(l) || isSupported1LipLayer(l) || MERGES.has(l.getClassName()) || hasOwnBound(l);
    if (!ok) {
      warn(
        `lipschitzModel: layer '${l.name}' (${l.getClassName()}) is not a Lipschitz layer; the model's Lipschitz bound is lost. Use its @lipnet counterpart (e.g. SpectralDense for Dense).`,
      );
    }
  }
  return model;
}
