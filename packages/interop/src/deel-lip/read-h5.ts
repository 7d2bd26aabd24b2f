import { ModelImportError } from '../errors';
import { show } from '../keras/config-reader';
import { readHdf5, type Hdf5Reader } from '../hdf5/hdf5-reader';
import type { SavedModelFile } from './saved-weights';

/** A string-list attribute (Keras writes empty lists as empty float arrays). */
function stringList(fn: string, r: Hdf5Reader, path: string, name: string): string[] {
  const v = r.attr(path, name);
  if (v === undefined)
    throw new ModelImportError(
      `${fn}: the .h5 file has no '${name}' attribute on '${path}'. The file is not a saved Keras model, or is corrupt.`,
    );
  if (typeof v === 'string') return [v];
  const list = Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : null;
  if (list === null || !list.every((s) => typeof s === 'string')) {
    if (list !== null && list.length === 0) return [];
    throw new ModelImportError(
      `${fn}: the '${name}' attribute of '${path}' in the .h5 file is not a list of names. The file is corrupt.`,
    );
  }
  return list;
}

function parseModelConfig(fn: string, raw: unknown): Record<string, unknown> {
  if (raw === undefined) {
    throw new ModelImportError(
      `${fn}: the .h5 file has no model_config: it holds weights only (model.save_weights). Pass a file written by model.save('x.h5').`,
    );
  }
  if (typeof raw !== 'string') {
    throw new ModelImportError(
      `${fn}: the model_config of the .h5 file is not a JSON string (got ${show(raw)}). The file is corrupt.`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new ModelImportError(
      `${fn}: the model_config of the .h5 file is not valid JSON (${(err as Error).message}). The file is corrupt.`,
    );
  }
  if (v === null || typeof v !== 'object')
    throw new ModelImportError(`${fn}: the model_config of the .h5 file is not a JSON object. The file is corrupt.`);
  return v as Record<string, unknown>;
}

/**
 * Reads a model saved by Keras 2's `model.save('x.h5')` (HDF5, through h5wasm): the `model_config` and
 * `keras_version` attributes and, for each name of `model_weights`' `layer_names`, the datasets of its
 * `weight_names` in order. The optimizer state is not read.
 */
export async function readH5Model(fn: string, bytes: Uint8Array): Promise<SavedModelFile> {
  return readHdf5(bytes, `${fn}: the .h5 file`, (r) => {
    const modelConfig = parseModelConfig(fn, r.attr('/', 'model_config'));
    const version = r.attr('/', 'keras_version');
    if (r.kind('model_weights') !== 'group') {
      throw new ModelImportError(
        `${fn}: the .h5 file has no model_weights group. It is not a model saved by model.save('x.h5'), or is corrupt.`,
      );
    }
    const layers: SavedModelFile['layers'] = new Map();
    for (const layer of stringList(fn, r, 'model_weights', 'layer_names')) {
      const names = stringList(fn, r, `model_weights/${layer}`, 'weight_names');
      layers.set(layer, { names, arrays: names.map((n) => r.floats(`model_weights/${layer}/${n}`)), extra: [] });
    }
    return { format: 'h5', kerasVersion: typeof version === 'string' ? version : undefined, modelConfig, layers };
  });
}
