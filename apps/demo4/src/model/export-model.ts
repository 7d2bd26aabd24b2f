/**
 * The notebook's `vanilla_model = model.vanilla_export()`, saved in TF.js format
 * (`model.json` + `weights.bin`) and read back, with a check that the reloaded
 * model predicts what the exported one does (and what the trained model does).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { vanillaExport } from '@lipnet/layers';
import { loadModel, saveModel } from '@lipnet/io';
import { disposeModel } from './dispose-model';

/** Outcome of {@link exportAndVerify}. */
export interface ExportReport {
  dir: string;
  modelJson: string;
  weightsBin: string;
  weightBytes: number;
  /** Layer classes of the exported model. */
  layers: string[];
  /** max |reloaded − exported| over the checked images' logits. */
  maxDiffReloaded: number;
  /** max |exported − trained model (inference)| over the same logits. */
  maxDiffTrained: number;
  /** Images compared. */
  checked: number;
  /** The tolerance both differences must stay under. */
  tolerance: number;
  ok: boolean;
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

/**
 * Exports `model` with `vanillaExport`, saves it under `dir`, reloads it and
 * compares logits on `x`. Returns the reloaded model (the one the attack uses) and a report.
 */
export async function exportAndVerify(
  model: tfl.LayersModel,
  x: tf.Tensor,
  dir: string,
  tolerance = 1e-5,
): Promise<{ vanilla: tfl.LayersModel; report: ExportReport }> {
  const exported = vanillaExport(model);
  const saved = await saveModel(exported, dir);
  const reloaded = await loadModel(dir);
  const pTrained = model.predict(x) as tf.Tensor;
  const pExported = exported.predict(x) as tf.Tensor;
  const pReloaded = reloaded.predict(x) as tf.Tensor;
  const maxDiffReloaded = await maxAbsDiff(pReloaded, pExported);
  const maxDiffTrained = await maxAbsDiff(pExported, pTrained);
  tf.dispose([pTrained, pExported, pReloaded]);
  disposeModel(exported);
  return {
    vanilla: reloaded,
    report: {
      dir: path.resolve(dir),
      ...saved,
      layers: reloaded.layers.map((l) => l.getClassName()),
      maxDiffReloaded,
      maxDiffTrained,
      checked: x.shape[0],
      tolerance,
      ok: maxDiffReloaded <= tolerance && maxDiffTrained <= tolerance,
    },
  };
}
