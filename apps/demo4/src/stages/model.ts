/**
 * Stage `model`: the notebook's `hkr_model` (seeded), with its Keras-style
 * summary and deel-lip 1.2.0's parameter count (which also stores each
 * normalised kernel, "wbar", as a non-trainable weight).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ConvNormalization } from '@lipnet/layers';
import { buildHkrModel, modelSignature } from '../model/hkr-model';
import { formatSummary, summarize, type ModelSummary } from '../model/summary';
import type { Stage } from '../pipeline/stage';

/** Inputs of the model stage. */
export interface ModelInput {
  seed: number;
  /** `--conv-normalization`. */
  convNormalization: ConvNormalization;
}

/** The built (untrained) model and its description. */
export interface ModelOutput {
  model: tfl.Sequential;
  summary: ModelSummary;
  /** Values of the normalised kernels deel-lip 1.2.0 also stores. */
  wbar: number;
  /** `summary.total + wbar`: the notebook's "Total params". */
  notebookTotalWithWbar: number;
  signature: string;
}

/** Number of kernel values of the Spectral / Frobenius layers (deel-lip 1.2.0's cached `wbar` copies). */
export function wbarCount(model: tfl.LayersModel): number {
  return model.layers
    .filter((l) => ['SpectralConv2D', 'SpectralDense', 'FrobeniusDense'].includes(l.getClassName()))
    .flatMap((l) => l.trainableWeights.filter((w) => w.originalName.endsWith('kernel')))
    .reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
}

/** model → {@link ModelOutput}. Always runs (it writes nothing and takes under a second). */
export const modelStage: Stage<ModelInput, ModelOutput> = {
  name: 'model',
  writes: false,
  key: (i) => ({
    seed: i.seed,
    convNormalization: i.convNormalization,
    signature: modelSignature(i.convNormalization),
  }),
  run(i, ctx) {
    const warnings: string[] = [];
    const model = buildHkrModel(i.seed, (m) => warnings.push(m), i.convNormalization);
    const signature = modelSignature(i.convNormalization);
    ctx.log(
      `Convolutions normalised with convNormalization '${i.convNormalization}'${i.convNormalization === 'deel-lip' ? " (the notebook's)" : ''}.`,
    );
    for (const w of warnings) ctx.log(`Warning: ${w}`);
    const summary = summarize(model);
    ctx.log(formatSummary(summary));
    const wbar = wbarCount(model);
    const total = summary.total + wbar;
    ctx.log(
      `(deel-lip 1.2.0 also stores a copy of each normalised kernel, "wbar", as a non-trainable weight: +${wbar.toLocaleString('en-US')} → ${total.toLocaleString('en-US')} total as in the notebook; @lipnet recomputes it instead.)`,
    );
    const output = { model, summary, wbar, notebookTotalWithWbar: total, signature };
    return Promise.resolve({
      output,
      files: [],
      summary: { summary, wbar, notebookTotalWithWbar: total, signature },
    });
  },
};
