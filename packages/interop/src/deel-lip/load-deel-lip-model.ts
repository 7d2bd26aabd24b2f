import type * as tfl from '@tensorflow/tfjs-layers';
import { defineOptions, opt } from '@lipnet/core';
import type { InvertibleChannelOrder } from '@lipnet/layers';
import { isHdf5, isZip, toBytes, type FileBytes } from '../bytes';
import { ModelImportError } from '../errors';
import { assignWeights } from './assign-weights';
import { buildModel } from './build-model';
import { parseModelSpec } from './model-spec';
import { readH5Model } from './read-h5';
import { readKerasModel } from './read-keras';

const FN = 'loadDeelLipModel';

/** Options of {@link loadDeelLipModel}. */
export interface LoadDeelLipModelOptions {
  /** `'h5'` (`model.save('x.h5')`) or `'keras'` (`model.save('x.keras')`). Default: recognised from the bytes. */
  format?: 'h5' | 'keras';
  /**
   * Channel order of `InvertibleDownSampling` / `InvertibleUpSampling`, required when the model has one: deel-lip
   * ≤ 1.5.0 orders channels as TF's space_to_depth (`'spacetodepth'`), 1.5.1 and later as PyTorch's
   * pixel_unshuffle (`'pixelshuffle'`), and the file does not record which version saved it.
   */
  invertibleChannelOrder?: InvertibleChannelOrder;
}

/** The options of {@link loadDeelLipModel}, declared once (`@lipnet/core`: unknown keys and values refused). */
const LOAD_OPTIONS = defineOptions(FN, {
  format: opt.oneOf(['h5', 'keras']),
  invertibleChannelOrder: opt
    .oneOf(['spacetodepth', 'pixelshuffle'])
    .describedAs(
      "one of 'spacetodepth', 'pixelshuffle'",
      "Pass 'spacetodepth' (deel-lip ≤ 1.5.0) or 'pixelshuffle' (≥ 1.5.1).",
    ),
});

function detectFormat(bytes: Uint8Array, asked: 'h5' | 'keras' | undefined): 'h5' | 'keras' {
  const found = isHdf5(bytes) ? 'h5' : isZip(bytes) ? 'keras' : null;
  if (found === null) {
    throw new ModelImportError(
      `${FN}: the bytes (${bytes.length}) are neither an HDF5 file (.h5) nor a zip archive (.keras)${bytes.length === 0 ? ': the file is empty' : ''}. Pass the bytes of a file written by deel-lip's model.save('x.h5') or model.save('x.keras').`,
    );
  }
  if (asked && asked !== found)
    throw new ModelImportError(
      `${FN}: \`format\` is '${asked}' but the bytes are a${found === 'h5' ? 'n HDF5 (.h5)' : ' zip (.keras)'} file.`,
    );
  return found;
}

/**
 * Loads a model trained and saved by deel-lip 1.5 (Keras 2: TensorFlow ≤ 2.15) — `model.save('x.h5')` or
 * `model.save('x.keras')` — as a tfjs model of @lipnet layers with the same weights, including each spectral
 * layer's power-iteration state (`u`, σ) and each layer's cached normalised kernel, so its logits equal
 * deel-lip's and training continues where deel-lip stopped (compile it with an optimiser and a loss: the
 * saved optimizer state and training config are not read). Runs in Node and browsers: it takes the file's
 * bytes, and reads HDF5 with h5wasm in memory.
 *
 * Sequential (Keras' or deel-lip's, whose `k_coef_lip` is kept in each layer) and functional models (Keras'
 * Functional, deel-lip's `Model`) load; layers: deel-lip's SpectralDense, FrobeniusDense, SpectralConv2D,
 * FrobeniusConv2D, the scaled poolings, InvertibleDown/UpSampling, GroupSort, GroupSort2, FullSort, MaxMin,
 * Householder, PReLUlip, and Keras' InputLayer, Dense, Conv2D, MaxPooling2D, Flatten, Reshape, Activation,
 * Add and Concatenate. Any other class, any option lipnet does not reproduce (a regularizer, a constraint,
 * 'valid' padding on a Lipschitz conv, …), and bytes that are truncated or corrupt give a
 * {@link ModelImportError} naming it; nothing is ever loaded in part.
 *
 * @example
 * const model = await loadDeelLipModel(fs.readFileSync('model.h5'));              // Node
 * const model = await loadDeelLipModel(new Uint8Array(await file.arrayBuffer())); // browser, from <input type=file>
 */
export async function loadDeelLipModel(bytes: FileBytes, options?: LoadDeelLipModelOptions): Promise<tfl.LayersModel> {
  const opts = LOAD_OPTIONS.parse(options);
  const data = toBytes(FN, 'bytes', bytes);
  const format = detectFormat(data, opts.format);
  const file = format === 'h5' ? await readH5Model(FN, data) : await readKerasModel(FN, data);
  if (file.kerasVersion !== undefined && !file.kerasVersion.startsWith('2.')) {
    throw new ModelImportError(
      `${FN}: the file was saved by Keras ${file.kerasVersion}; deel-lip 1.5 runs on Keras 2 (TensorFlow ≤ 2.15), and this loader reads Keras 2 files only.`,
      { code: 'UNSUPPORTED_CONFIGURATION', option: 'bytes' },
    );
  }
  const spec = parseModelSpec(FN, file.modelConfig);
  const { model, built } = buildModel(spec, { fn: FN, invertibleChannelOrder: opts.invertibleChannelOrder });
  try {
    assignWeights(FN, file, spec, built);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
