import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ReparametrizedLayer } from '@lipnet/layers';
import { ModelImportError } from '../errors';
import { describeLayer, toSnakeCase } from '../keras/layer-spec';
import type { BuiltLayer } from './build-model';
import type { SavedLayerWeights, SavedModelFile } from './saved-weights';
import type { ModelSpec } from './model-spec';
import type { WeightSlot } from './converters';

/** `conv1/Variable_1:0` → `Variable`; `kernel:0` → `kernel`. */
function baseName(saved: string): string {
  return saved
    .replace(/:\d+$/, '')
    .split('/')
    .pop()!
    .replace(/^(Variable)_\d+$/, '$1');
}

const shapeOf = (s: number[]) => `[${s.join(', ')}]`;

/** Puts one layer's saved weights into its @lipnet layer (checking count, names and shapes), and its wbar. */
function assignLayer(fn: string, b: BuiltLayer, saved: SavedLayerWeights): void {
  const where = `${describeLayer(b.spec)}`;
  const slots: WeightSlot[] = b.converted!.weights;
  const expected = slots.map((s) => s.saved).join(', ') || 'none';
  if (saved.arrays.length !== slots.length) {
    const got = saved.names ? saved.names.join(', ') : `${saved.arrays.length} variables`;
    throw new ModelImportError(
      `${fn}: ${where}: the file holds ${got || 'no weights'}, lipnet's layer expects ${expected}. The file does not match its config.`,
    );
  }
  saved.names?.forEach((n, i) => {
    if (baseName(n) !== slots[i]!.saved) {
      throw new ModelImportError(
        `${fn}: ${where}: saved weight #${i} is '${n}', expected '${slots[i]!.saved}' (order ${expected}). The file does not match its config.`,
      );
    }
  });
  const layer = b.converted!.layers[0]!;
  const byTarget = new Map(slots.map((s, i) => [s.target, saved.arrays[i]!]));
  const values = layer.weights.map((w: tfl.LayerVariable) => {
    const short = w.originalName.split('/').pop()!;
    const a = byTarget.get(short);
    if (!a)
      throw new ModelImportError(
        `${fn}: ${where}: the file has no value for lipnet's weight '${short}'. The file does not match its config.`,
      );
    if (shapeOf(a.shape) !== shapeOf(w.shape as number[])) {
      throw new ModelImportError(
        `${fn}: ${where}: weight '${short}' is saved with shape ${shapeOf(a.shape)}, the layer needs ${shapeOf(w.shape as number[])}. The file does not match its config.`,
      );
    }
    return tf.tensor(a.values, a.shape);
  });
  try {
    layer.setWeights(values);
    const wbar = byTarget.get('wbar');
    if (wbar) {
      if (!(layer instanceof ReparametrizedLayer))
        throw new ModelImportError(`${fn}: ${where}: a cached kernel was saved for a layer that has none.`);
      tf.tidy(() => layer.setInferenceKernel(tf.tensor(wbar.values, wbar.shape)));
    }
  } finally {
    tf.dispose(values);
  }
}

/** The saved weights of each layer: by name in `.h5` files, by Keras' snake_case class key in `.keras` files. */
function savedByLayer(
  fn: string,
  file: SavedModelFile,
  spec: ModelSpec,
  built: BuiltLayer[],
): Map<BuiltLayer, SavedLayerWeights> {
  const out = new Map<BuiltLayer, SavedLayerWeights>();
  const used = new Set<string>();
  const counts = new Map<string, number>();
  for (const b of built) {
    // .keras keys follow model.layers, which for a Sequential leaves out its InputLayer.
    if (spec.kind === 'sequential' && b.converted === null) continue;
    let key = b.spec.name;
    if (file.format === 'keras') {
      const base = toSnakeCase(b.spec.className);
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      key = n === 0 ? base : `${base}_${n}`;
    }
    const saved = file.layers.get(key);
    const slots = b.converted?.weights ?? [];
    if (!saved && slots.length) {
      throw new ModelImportError(
        `${fn}: ${describeLayer(b.spec)}: the file has no weights for it (looked for '${key}'). The file is incomplete.`,
      );
    }
    if (saved?.extra.length) {
      throw new ModelImportError(
        `${fn}: ${describeLayer(b.spec)}: the file holds variables lipnet's layer does not have (${saved.extra.join(', ')}), e.g. of an activation with weights. It is not supported.`,
      );
    }
    used.add(key);
    out.set(b, saved ?? { arrays: [] });
  }
  const unused = [...file.layers].filter(([k, v]) => !used.has(k) && v.arrays.length > 0).map(([k]) => k);
  if (unused.length)
    throw new ModelImportError(
      `${fn}: the file holds weights of ${unused.join(', ')}, which no layer of its config uses. The file is corrupt.`,
    );
  return out;
}

/**
 * Loads every saved weight into the built model — kernels, biases, deel-lip's power-iteration state
 * (`sn` → `u`, `sigma` → `sig`) and cached normalised kernels (`Variable` → `setInferenceKernel`) — after
 * checking that each layer's saved weights match its config in number, name (`.h5`) and shape.
 */
export function assignWeights(fn: string, file: SavedModelFile, spec: ModelSpec, built: BuiltLayer[]): void {
  for (const [b, saved] of savedByLayer(fn, file, spec, built)) {
    if (b.converted) assignLayer(fn, b, saved);
  }
}
