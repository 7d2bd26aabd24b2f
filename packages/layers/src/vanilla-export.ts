import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetConfigError } from '@lipnet/constraints';
import { isCondensable } from './lipschitz-layer';
import { flattenLayers } from './condense';

function exportLayers(l: tfl.layers.Layer): tfl.layers.Layer[] {
  const ex = l as unknown as { vanillaExportLayers?: () => tfl.layers.Layer[] };
  if (typeof ex.vanillaExportLayers === 'function') return ex.vanillaExportLayers();
  if (isCondensable(l)) return [l.vanillaExport()];
  // Any other layer: a fresh copy from its config (weights copied once the model is built).
  const cls = l.constructor as unknown as tfl.layers.Layer & { fromConfig: (c: unknown, cfg: unknown) => tfl.layers.Layer };
  return [cls.fromConfig(cls, l.getConfig())];
}

/**
 * A new Sequential model of plain tfjs layers computing the same function as
 * `model`: each reparametrised layer becomes a `Dense`/`Conv2D` holding its
 * normalised kernel — computed now from the current raw weights, never a stale
 * cache — and its bias, followed by a copy of its activation when that is a
 * layer; every other layer is copied with its weights. Layer names are kept.
 * Layers without a tfjs equivalent (GroupSort, ScaledL2NormPooling2D, …) stay
 * @lipnet classes, so the result loads without @lipnet only when the model
 * uses none of them. Only sequential (single-chain) models are supported.
 * deel-lip: `Sequential.vanilla_export()` / `vanillaModel(model)`.
 *
 * @example
 * const plain = vanillaExport(model); // predictions equal model's to ~1e-6
 */
export function vanillaExport(model: tfl.LayersModel): tfl.Sequential {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new LipnetConfigError(
      `vanillaExport: expected a model with one input and one output, got ${model.inputs.length} and ${model.outputs.length}. Export each branch as its own Sequential.`,
    );
  }
  const layers = flattenLayers(model).filter((l) => l.getClassName() !== 'InputLayer');
  for (const l of layers) {
    if (l.inboundNodes.length > 1 || (l.inboundNodes[0] && l.inboundNodes[0].inboundLayers.length > 1)) {
      throw new LipnetConfigError(
        `vanillaExport: layer '${l.name}' has several inputs or is shared, so the model is not a single chain. Only sequential models are supported.`,
      );
    }
  }
  const out = tfl.sequential({ name: `${model.name}_vanilla` });
  out.add(tfl.layers.inputLayer({ batchInputShape: model.inputs[0]!.shape }));
  const copies: [tfl.layers.Layer, tfl.layers.Layer][] = [];
  for (const l of layers) {
    const ex = exportLayers(l);
    for (const e of ex) out.add(e);
    if (!isCondensable(l) && !(l as unknown as { vanillaExportLayers?: unknown }).vanillaExportLayers) copies.push([l, ex[0]!]);
  }
  for (const [src, dst] of copies) dst.setWeights(src.getWeights());
  return out;
}
