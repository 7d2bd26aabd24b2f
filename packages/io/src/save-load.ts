import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { ModelFileError } from './errors';
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
  if (model === null || typeof model !== 'object' || typeof (model as tfl.LayersModel).save !== 'function')
    throw new ModelFileError('saveModel: expected `model` to be a tfjs LayersModel (tf.sequential, tf.model, …).');
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

/**
 * Loads the LayersModel saved in the folder `dir` (by {@link saveModel}, `model.save('file://…')` or the
 * converter). Custom layers (e.g. `@lipnet/layers`) must be imported first so tfjs knows their classes.
 * Reads only files inside `dir`; a missing, truncated or corrupt file is a {@link ModelFileError}
 * saying which. Node.js only.
 *
 * @example
 * const model = await loadModel('out/model');
 * model.predict(x);
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tfl.LayersModel> {
  return loadLayersModel(fileSystem(dir), { strict: options.strict ?? true });
}
