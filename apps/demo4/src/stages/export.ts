/**
 * Stage `export`: the notebook's `vanilla_export()` saved in TF.js format
 * (`model/model.json` + `model/weights.bin`), reloaded, and checked to predict
 * what the trained model does. The reloaded model is the one certified and
 * attacked.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { exportAndVerify, type ExportReport } from '../model/export-model';
import { loadModel } from '@lipnet/io';
import { OUTPUT_FILES, outputPath } from '../pipeline/output-files';
import type { Stage } from '../pipeline/stage';
import type { DataOutput } from './data';

/** Inputs of the export stage. */
export interface ExportInput {
  /** The trained model. */
  model: tfl.LayersModel;
  data: DataOutput;
}

/** The reloaded vanilla model (dispose it) and the export report. */
export interface ExportOutput {
  vanilla: tfl.LayersModel;
  report: ExportReport;
}

/** Test images the export is checked on. */
const CHECKED_IMAGES = 300;

/** export → {@link ExportOutput}. Reused on resume when model.json and weights.bin are unchanged. */
export const exportStage: Stage<ExportInput, ExportOutput> = {
  name: 'export',
  writes: true,
  key: () => ({ checked: CHECKED_IMAGES }),
  async run(i, ctx) {
    const xTest = i.data.dataset.xTest;
    const xCheck = tf.slice(xTest, 0, Math.min(CHECKED_IMAGES, xTest.shape[0]));
    const { vanilla, report } = await exportAndVerify(i.model, xCheck, outputPath(ctx.out, 'model')).finally(() =>
      xCheck.dispose(),
    );
    ctx.log(
      `Vanilla export (${report.layers.join(' → ')}) saved to ${report.modelJson} + weights.bin (${(report.weightBytes / 1024).toFixed(1)} KiB).`,
    );
    ctx.log(
      `Reloaded and checked on ${report.checked} test images: max |Δlogit| reloaded vs exported ${report.maxDiffReloaded.toExponential(2)}, exported vs trained ${report.maxDiffTrained.toExponential(2)} (tolerance ${report.tolerance}).`,
    );
    if (!report.ok) ctx.log('WARNING: the exported model does not predict like the trained one within tolerance.');
    const files = ['model.json', 'weights.bin'].map((f) => path.join(OUTPUT_FILES.model, f));
    return { output: { vanilla, report }, files, summary: report };
  },
  async load(_i, record, ctx) {
    return { vanilla: await loadModel(outputPath(ctx.out, 'model')), report: record.summary as ExportReport };
  },
};
