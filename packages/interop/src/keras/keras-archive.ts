import { strFromU8, unzipSync } from 'fflate';
import { ModelImportError } from '../errors';

/** The three members of a Keras v3 `.keras` file (`model.save('x.keras')`). */
export interface KerasArchive {
  /** `config.json`: the model's class, layers and compile settings. */
  config: Record<string, unknown>;
  /** `metadata.json`: the Keras version and save date. */
  metadata: Record<string, unknown>;
  /** `model.weights.h5`: the weights, an HDF5 file (`layers/<snake_case class>/vars/<i>`). */
  weights: Uint8Array;
}

function parseJson(fn: string, member: string, bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(strFromU8(bytes));
  } catch (err) {
    throw new ModelImportError(
      `${fn}: ${member} in the .keras file is not valid JSON (${(err as Error).message}). The file is corrupt.`,
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ModelImportError(
      `${fn}: ${member} in the .keras file is not a JSON object. The file is not a saved Keras model.`,
    );
  }
  return v as Record<string, unknown>;
}

/**
 * Unzips a `.keras` file (fflate, from npm) and returns its config, metadata and weights file. A truncated
 * or corrupt zip, or one without the three members, gives a {@link ModelImportError}.
 */
export function readKerasArchive(fn: string, bytes: Uint8Array): KerasArchive {
  const wanted = new Set(['config.json', 'metadata.json', 'model.weights.h5']);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (err) {
    throw new ModelImportError(
      `${fn}: the .keras file is not a readable zip archive (${(err as Error).message}). It is truncated or corrupt; save the model again.`,
    );
  }
  for (const m of wanted) {
    if (!files[m]) {
      throw new ModelImportError(
        `${fn}: the .keras file has no ${m}; found ${Object.keys(files).join(', ') || 'none of config.json, metadata.json, model.weights.h5'}. It is not a model saved by Keras' model.save('x.keras').`,
      );
    }
  }
  return {
    config: parseJson(fn, 'config.json', files['config.json']!),
    metadata: parseJson(fn, 'metadata.json', files['metadata.json']!),
    weights: files['model.weights.h5']!,
  };
}
