import * as tfl from '@tensorflow/tfjs-layers';

import { isCondensable } from './lipschitz-layer';
import { flattenLayers } from './condense';
import { LipnetInputError } from '@lipnet/core';

function exportLayers(l: tfl.layers.Layer): tfl.layers.Layer[] {
  const ex = l as unknown as { vanillaExportLayers?: () => tfl.layers.Layer[] };
  if (typeof ex.vanillaExportLayers === 'function') return ex.vanillaExportLayers();
  if (isCondensable(l)) return [l.vanillaExport()];
  // Any other layer: a fresh copy from its config (weights copied once the model is built).
  const cls = l.constructor as unknown as tfl.layers.Layer & {
    fromConfig: (c: unknown, cfg: unknown) => tfl.layers.Layer;
  };
  return [cls.fromConfig(cls, l.getConfig())];
}

/**
 * A new model of plain tfjs layers computing the same function as `model`:
 * each reparametrised layer becomes a `Dense`/`Conv2D` holding its normalised
 * kernel — computed now from the current raw weights, never a stale cache — and
 * its bias, followed by a copy of its activation when that is a layer; every
 * other layer is copied with its weights; nested models are exported
 * recursively. Layer names are kept. A single-chain model gives a `Sequential`;
 * any other (functional) model is rebuilt node by node (each layer must be used
 * once: shared layers are refused). Layers without a tfjs equivalent
 * (GroupSort, ScaledL2NormPooling2D, …) stay @lipnet classes, so the result
 * loads without @lipnet only when the model uses none of them.
 * deel-lip: `Sequential.vanilla_export()` / `Model.vanilla_export()` / `vanillaModel(model)`.
 *
 * @example
 * const plain = vanillaExport(model); // predictions equal model's to ~1e-6
 */
export function vanillaExport(model: tfl.Sequential): tfl.Sequential;
export function vanillaExport(model: tfl.LayersModel): tfl.LayersModel;
export function vanillaExport(model: tfl.LayersModel): tfl.LayersModel {
  for (const l of model.layers) {
    const used = nodesIn(model, l).length;
    if (used > 1) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: 'vanillaExport',
        option: 'model',
        message: `layer '${l.name}' is used ${used} times (shared layer) in the model, which is not supported. Give each use its own layer.`,
      });
    }
  }
  const chain =
    model.inputs.length === 1 &&
    model.outputs.length === 1 &&
    model.layers.every(
      (l) => !(l instanceof tfl.LayersModel) && nodesIn(model, l).every((n) => n.inboundLayers.length <= 1),
    );
  return chain ? exportChain(model) : exportGraph(model);
}

/** Copies each non-exported layer's weights into its fresh copy (after the new model is built). */
function copyWeights(copies: [tfl.layers.Layer, tfl.layers.Layer][]): void {
  for (const [src, dst] of copies) dst.setWeights(src.getWeights());
}

function isExported(l: tfl.layers.Layer): boolean {
  return (
    isCondensable(l) || typeof (l as unknown as { vanillaExportLayers?: unknown }).vanillaExportLayers === 'function'
  );
}

function exportChain(model: tfl.LayersModel): tfl.Sequential {
  const layers = flattenLayers(model).filter((l) => l.getClassName() !== 'InputLayer');
  const out = tfl.sequential({ name: `${model.name}_vanilla` });
  out.add(tfl.layers.inputLayer({ batchInputShape: model.inputs[0]!.shape }));
  const copies: [tfl.layers.Layer, tfl.layers.Layer][] = [];
  for (const l of layers) {
    const ex = exportLayers(l);
    for (const e of ex) out.add(e);
    if (!isExported(l)) copies.push([l, ex[0]!]);
  }
  copyWeights(copies);
  return out;
}

type Sym = tfl.SymbolicTensor;
type TfNode = tfl.layers.Layer['inboundNodes'][number];

/** The inbound nodes of `layer` that belong to `model`'s graph (tfjs `Container.containerNodes`). */
function nodesIn(model: tfl.LayersModel, layer: tfl.layers.Layer): TfNode[] {
  const keys = (model as unknown as { containerNodes: Set<string> }).containerNodes;
  return layer.inboundNodes.filter((_, i) => keys.has(`${layer.name}_ib-${i}`));
}

function exportGraph(model: tfl.LayersModel): tfl.LayersModel {
  const map = new Map<number, Sym>();
  const inputs = model.inputs.map((t) => {
    const n = tfl.input({ batchShape: t.shape, dtype: t.dtype });
    map.set(t.id, n);
    return n;
  });
  const copies: [tfl.layers.Layer, tfl.layers.Layer][] = [];
  for (const l of model.layers) {
    if (l.getClassName() === 'InputLayer') continue;
    const node = nodesIn(model, l)[0];
    if (!node) continue;
    const ins = node.inputTensors.map((t) => {
      const m = map.get(t.id);
      if (!m) {
        throw new LipnetInputError({
          code: 'INVALID_ARGUMENT',
          who: 'vanillaExport',
          option: 'model',
          message: `the input of layer '${l.name}' is not produced inside the model. Export a model whose layers all descend from its inputs.`,
        });
      }
      return m;
    });
    let ex: tfl.layers.Layer[];
    if (l instanceof tfl.LayersModel) ex = [vanillaExport(l)];
    else ex = exportLayers(l);
    let cur: Sym | Sym[] = ins.length === 1 ? ins[0]! : ins;
    for (const e of ex) cur = e.apply(cur) as Sym | Sym[];
    const outs = Array.isArray(cur) ? cur : [cur];
    node.outputTensors.forEach((t, i) => map.set(t.id, outs[i]!));
    if (!isExported(l) && !(l instanceof tfl.LayersModel)) copies.push([l, ex[0]!]);
  }
  const outputs = model.outputs.map((t) => map.get(t.id)!);
  const out = tfl.model({ inputs, outputs, name: `${model.name}_vanilla` });
  copyWeights(copies);
  return out;
}
