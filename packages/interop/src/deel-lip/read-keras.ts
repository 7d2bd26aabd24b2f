import { ModelImportError } from '../errors';
import { readHdf5, type FloatDataset, type Hdf5Reader } from '../hdf5/hdf5-reader';
import { readKerasArchive } from '../keras/keras-archive';
import type { SavedModelFile } from './saved-weights';

/** Every dataset path under `path` (depth first). */
function datasetsUnder(r: Hdf5Reader, path: string): string[] {
  return r.keys(path).flatMap((k) => {
    const p = `${path}/${k}`;
    return r.kind(p) === 'group' ? datasetsUnder(r, p) : [p];
  });
}

/** The variables `<key>/vars/0…n−1` of one layer group, in order, and the datasets found elsewhere under it. */
function layerVariables(fn: string, r: Hdf5Reader, key: string) {
  const base = `layers/${key}`;
  const all = datasetsUnder(r, base);
  const own = all.filter((p) => /^layers\/[^/]+\/vars\/\d+$/.test(p));
  const arrays: FloatDataset[] = [];
  for (let i = 0; i < own.length; i++) {
    if (!own.includes(`${base}/vars/${i}`)) {
      throw new ModelImportError(
        `${fn}: model.weights.h5 in the .keras file has no ${base}/vars/${i} but has ${own.length} variables. The file is corrupt.`,
      );
    }
    arrays.push(r.floats(`${base}/vars/${i}`));
  }
  return { arrays, extra: all.filter((p) => !own.includes(p)) };
}

/**
 * Reads a model saved by Keras 2's `model.save('x.keras')`: `config.json`, the Keras version of
 * `metadata.json`, and the variables of `model.weights.h5` under `layers/<key>/vars/<i>` (the key is Keras'
 * snake_case class name, numbered in layer order). The optimizer and metric variables are not read.
 */
export async function readKerasModel(fn: string, bytes: Uint8Array): Promise<SavedModelFile> {
  const archive = readKerasArchive(fn, bytes);
  const layers = await readHdf5(archive.weights, `${fn}: model.weights.h5 in the .keras file`, (r) => {
    const out: SavedModelFile['layers'] = new Map();
    if (r.kind('layers') === 'group') for (const key of r.keys('layers')) out.set(key, layerVariables(fn, r, key));
    if (r.kind('vars') === 'group' && r.keys('vars').length > 0) {
      throw new ModelImportError(
        `${fn}: the .keras file holds model-level variables (vars/), which no Keras 2 Sequential or Functional model has. It is not supported.`,
        { code: 'UNSUPPORTED_CONFIGURATION' },
      );
    }
    return out;
  });
  const version = archive.metadata['keras_version'];
  return {
    format: 'keras',
    kerasVersion: typeof version === 'string' ? version : undefined,
    modelConfig: archive.config,
    layers,
  };
}
