import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkKCoefLip } from './activation-checks';
import { LipnetInputError } from '@lipnet/core';

/** Options of {@link groupSort2AsBuiltins}. */
export interface GroupSort2AsBuiltinsOptions {
  /** Multiplier of the output, as GroupSort's `kCoefLip`. Default 1. */
  kCoefLip?: number;
  /** Prefix of the created layers' names (each gets a suffix); tfjs picks unique names when absent. */
  name?: string;
}

/**
 * Builds GroupSort(2) from tfjs-layers built-ins only, as a functional sub-graph,
 * so a model using it loads with plain `tf.loadLayersModel` (no @lipnet classes).
 * For each adjacent pair (a, b) = (x₂ᵢ, x₂ᵢ₊₁) of the last axis:
 *
 *   d = relu(a − b),   min(a, b) = a − d,   max(a, b) = b + d,
 *
 * so `y = k·x + k·D₂ relu(D₁ x)` with fixed, non-trainable kernels
 * D₁ ∈ ℝ^{C×C/2} (D₁[2i, i] = 1, D₁[2i+1, i] = −1) and D₂ ∈ ℝ^{C/2×C} (D₂[i, 2i] = −1,
 * D₂[i, 2i+1] = 1). Layers: `Dense(C/2, useBias: false)` → `ReLU` → `Dense(C, useBias: false)`,
 * a `Rescaling(k)` of the input when k ≠ 1, and `Add`. Equal to {@link GroupSort2} up to
 * float32 rounding (one or two ulps of the pair's values).
 *
 * @param input a symbolic tensor whose last dimension C is known and even (rank 2 or more)
 * @returns the symbolic output, same shape as `input`
 * @example
 * const x = tfl.input({shape: [4]});
 * const model = tfl.model({inputs: x, outputs: groupSort2AsBuiltins(x)});
 * model.predict(tf.tensor([[3, 1, -2, 5]]))  // [[1, 3, -2, 5]]
 */
export function groupSort2AsBuiltins(
  input: tfl.SymbolicTensor,
  options: GroupSort2AsBuiltinsOptions = {},
): tfl.SymbolicTensor {
  const k = checkKCoefLip('groupSort2AsBuiltins', options.kCoefLip ?? 1);
  const c = input.shape[input.shape.length - 1];
  if (typeof c !== 'number' || c < 2 || c % 2 !== 0) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: 'groupSort2AsBuiltins',
      option: 'input',
      message:
        `expected the input's last dimension to be a known even number, got ${String(c)}. ` +
        'GroupSort(2) sorts pairs of adjacent channels; give the input an even channel count.',
    });
  }
  const half = c / 2;
  const nm = (suffix: string) => (options.name ? { name: `${options.name}_${suffix}` } : {});
  const diff = tfl.layers.dense({ units: half, useBias: false, trainable: false, ...nm('diff') });
  const relu = tfl.layers.reLU(nm('relu'));
  const back = tfl.layers.dense({ units: c, useBias: false, trainable: false, ...nm('back') });
  const d = diff.apply(input) as tfl.SymbolicTensor;
  const r = relu.apply(d) as tfl.SymbolicTensor;
  const corr = back.apply(r) as tfl.SymbolicTensor;
  const w1 = new Float32Array(c * half);
  const w2 = new Float32Array(half * c);
  for (let i = 0; i < half; i++) {
    w1[2 * i * half + i] = 1;
    w1[(2 * i + 1) * half + i] = -1;
    w2[i * c + 2 * i] = -k;
    w2[i * c + 2 * i + 1] = k;
  }
  const t1 = tf.tensor2d(w1, [c, half]);
  const t2 = tf.tensor2d(w2, [half, c]);
  diff.setWeights([t1]);
  back.setWeights([t2]);
  t1.dispose();
  t2.dispose();
  const scaled =
    k === 1
      ? input
      : (tfl.layers.rescaling({ scale: k, offset: 0, ...nm('scale') }).apply(input) as tfl.SymbolicTensor);
  return tfl.layers.add(nm('add')).apply([scaled, corr]) as tfl.SymbolicTensor;
}
