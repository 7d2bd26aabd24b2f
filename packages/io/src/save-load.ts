import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { LipnetError, LipnetUnsupportedError, defineOptions, opt } from '@lipnet/core';
import { badArgument, corruptFile } from './errors';
import { fileSystem } from './file-system';

/** What {@link saveModel} wrote. */
export interface SavedModelFiles {
  /** Absolute path of `model.json`. */
  modelJson: string;
  /** Absolute path of `weights.bin`. */
  weightsBin: string;
  /** Bytes of weight data written. */
  weightBytes: number;
}

/**
 * Saves a tfjs LayersModel into the folder `dir` (created if needed) as `model.json` + `weights.bin`,
 * the standard TF.js format (loadable by `tf.loadLayersModel` over HTTP, tfjs-node, and the Python
 * converter). Atomic: an interrupted save leaves the previous model or the new one, never a mix.
 * Node.js only.
 *
 * @example
 * const files = await saveModel(model, 'out/model');
 * files.weightBytes; // e.g. 2088 for a 2→64→10 dense network
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<SavedModelFiles> {
  if (model === null || typeof model !== 'object' || typeof model.save !== 'function')
    throw badArgument('saveModel', 'model', 'expected `model` to be a tfjs LayersModel (tf.sequential, tf.model, …).');
  const result = await model.save(fileSystem(dir));
  const abs = path.resolve(dir);
  return {
    modelJson: path.join(abs, 'model.json'),
    weightsBin: path.join(abs, 'weights.bin'),
    weightBytes: result.modelArtifactsInfo.weightDataBytes ?? 0,
  };
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Require every weight of the topology to be present, and no extra (default true, as tfjs). */
  strict?: boolean;
}

/** The options of {@link loadModel}, declared once. */
const LOAD_MODEL_OPTIONS = defineOptions('loadModel', { strict: opt.boolean().default(true) });

/** tfjs' message when a model.json names a class nobody registered (e.g. @lipnet/layers not imported). */
const UNKNOWN_CLASS = /Unknown (layer|initializer|regularizer|constraint|activation|loss)|not (found|registered)/i;

/**
 * Loads the LayersModel saved in the folder `dir` (by {@link saveModel}, `model.save('file://…')` or the
 * converter). Custom layers (e.g. `@lipnet/layers`) must be imported first so tfjs knows their classes.
 * Reads only files inside `dir`; a missing, truncated or corrupt file is a `LipnetDataError`
 * (`FILE_NOT_FOUND`, `CORRUPT_DATA`) saying which, a class tfjs does not know a `LipnetUnsupportedError`.
 * Node.js only.
 *
 * @example
 * const model = await loadModel('out/model');
 * model.predict(x);
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tfl.LayersModel> {
  const o = LOAD_MODEL_OPTIONS.parse(options);
  const handler = fileSystem(dir);
  try {
    return await loadLayersModel(handler, { strict: o.strict });
  } catch (err) {
    if (err instanceof LipnetError) throw err;
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const file = path.join(path.resolve(dir), 'model.json');
    if (UNKNOWN_CLASS.test(why))
      throw new LipnetUnsupportedError({
        code: 'UNSUPPORTED_LAYER',
        who: 'loadModel',
        option: 'dir',
        cause: err,
        message: `${file} uses a class tfjs does not know (${why}). Import the package that registers it (e.g. @lipnet/layers) before loading.`,
      });
    throw corruptFile(
      'loadModel',
      `${file} does not describe a model tfjs can build with its weights (${why}). The folder is damaged or belongs to another model: save the model again.`,
      'dir',
      err,
    );
  }
}
