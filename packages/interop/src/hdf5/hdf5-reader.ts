import { ModelImportError } from '../errors';
import { hdf5ErrorSummary, loadH5wasm, type H5wasm } from './h5wasm-module';

/** A float dataset read from an HDF5 file, as float32. */
export interface FloatDataset {
  shape: number[];
  values: Float32Array;
}

/** Read access to one open HDF5 file (paths are absolute inside the file, e.g. `model_weights/conv1`). */
export interface Hdf5Reader {
  /** Whether a group or dataset exists at `path`. */
  has(path: string): boolean;
  /** What is at `path`: a group, a dataset, or nothing (null). */
  kind(path: string): 'group' | 'dataset' | null;
  /** The member names of the group at `path` (a {@link ModelImportError} if it is not a group). */
  keys(path: string): string[];
  /** The value of attribute `name` of the object at `path` (`undefined` if absent). */
  attr(path: string, name: string): unknown;
  /** The float32 or float64 dataset at `path`, as float32 (a {@link ModelImportError} for other types). */
  floats(path: string): FloatDataset;
}

let fileCounter = 0;

function entity(h5: H5wasm, file: InstanceType<H5wasm['File']>, path: string) {
  return path === '' || path === '/' ? file : file.get(path);
}

function makeReader(h5: H5wasm, file: InstanceType<H5wasm['File']>, what: string): Hdf5Reader {
  const fail = (path: string, msg: string) => new ModelImportError(`${what}: '${path}' ${msg}`);
  return {
    has: (path) => entity(h5, file, path) != null,
    kind(path) {
      const e = entity(h5, file, path);
      return e instanceof h5.Group ? 'group' : e instanceof h5.Dataset ? 'dataset' : null;
    },
    keys(path) {
      const g = entity(h5, file, path);
      if (!(g instanceof h5.Group))
        throw fail(path, 'is not a group of the HDF5 file. The file is not a saved Keras model, or is corrupt.');
      return g.keys();
    },
    attr(path, name) {
      const o = entity(h5, file, path);
      if (o == null)
        throw fail(path, 'is missing from the HDF5 file. The file is not a saved Keras model, or is corrupt.');
      const a = (o as { attrs: Record<string, { value: unknown }> }).attrs[name];
      return a === undefined ? undefined : a.value;
    },
    floats(path) {
      const d = entity(h5, file, path);
      if (!(d instanceof h5.Dataset))
        throw fail(path, 'is not a dataset of the HDF5 file. The file is not a saved Keras model, or is corrupt.');
      let v: unknown;
      try {
        v = d.value;
      } catch (err) {
        throw fail(path, `could not be read (${hdf5ErrorSummary(err)}). The file is corrupt.`);
      }
      if (!(v instanceof Float32Array || v instanceof Float64Array)) {
        throw fail(path, `holds ${JSON.stringify(d.dtype)} data; expected float32 weights. Save the model in float32.`);
      }
      return { shape: d.shape ?? [], values: Float32Array.from(v) };
    },
  };
}

/**
 * Opens `bytes` as an HDF5 file with h5wasm (in its in-memory file system: no disk, works in browsers),
 * runs `read` on it and closes and deletes it. `what` names the file in error messages
 * (`'loadDeelLipModel: the .h5 file'`). Bytes that are not HDF5, or are truncated or corrupt, give a
 * {@link ModelImportError} with HDF5's own diagnosis. HDF5's errors are turned into exceptions only while
 * the file is open (h5wasm's throwing error handler), so nothing is printed.
 */
export async function readHdf5<T>(bytes: Uint8Array, what: string, read: (reader: Hdf5Reader) => T): Promise<T> {
  const { h5, module } = await loadH5wasm(what.split(':')[0]!);
  const path = `/lipnet-interop-${++fileCounter}.h5`;
  module.activate_throwing_error_handler();
  let file: InstanceType<H5wasm['File']> | null = null;
  try {
    module.FS.writeFile(path, bytes);
    try {
      file = new h5.File(path, 'r');
    } catch (err) {
      throw new ModelImportError(
        `${what} could not be opened as HDF5: ${hdf5ErrorSummary(err)}. The file is truncated or corrupt; save the model again.`,
      );
    }
    return read(makeReader(h5, file, what));
  } catch (err) {
    if (err instanceof ModelImportError) throw err;
    throw new ModelImportError(
      `${what} could not be read: ${hdf5ErrorSummary(err)}. The file is corrupt; save the model again.`,
    );
  } finally {
    try {
      file?.close();
    } finally {
      module.FS.unlink(path);
      module.deactivate_throwing_error_handler();
    }
  }
}
