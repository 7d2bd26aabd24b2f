import type * as tfl from '@tensorflow/tfjs-layers';
import { FullSort, GroupSort, GroupSort2, Householder, MaxMin, PReLUlip } from '@lipnet/layers';
import { ConfigReader } from '../../keras/config-reader';
import { describeLayer, resolveClass } from '../../keras/layer-spec';
import { baseArgs, channelsLast, tfjsActivationName } from './common';
import type { ConverterContext, LayerConverter } from './converter';

/** deel-lip `GroupSort(n)`, `GroupSort2`, `FullSort` → the @lipnet classes of the same names. */
function groupSortLike(cls: 'GroupSort' | 'GroupSort2' | 'FullSort'): LayerConverter {
  return (r) => {
    const args = { ...baseArgs(r), kCoefLip: r.number('k_coef_lip', 1, { min: 0 }) };
    channelsLast(r);
    const n = r.raw('n');
    if (n !== undefined && n !== null && !(Number.isInteger(n) && (n as number) >= 1)) {
      throw r.error('n', 'is not a positive integer or null. The file is corrupt.');
    }
    if (cls === 'GroupSort')
      return { layers: [new GroupSort({ ...args, n: (n as number | null) ?? null })], weights: [] };
    if (cls === 'GroupSort2' && n !== 2 && n !== undefined)
      throw r.error('n', 'should be 2 for GroupSort2. The file is corrupt.');
    // FullSort: deel-lip saves n = C once built (n = null before); either way the whole channel axis is sorted.
    return { layers: [cls === 'GroupSort2' ? new GroupSort2(args) : new FullSort(args)], weights: [] };
  };
}

/** deel-lip `MaxMin` → @lipnet `MaxMin` (concat(relu(x), relu(−x)) on the channel axis, times k). */
const maxMin: LayerConverter = (r) => {
  const args = { ...baseArgs(r), kCoefLip: r.number('k_coef_lip', 1, { min: 0 }) };
  channelsLast(r);
  return { layers: [new MaxMin(args)], weights: [] };
};

/**
 * deel-lip `Householder` → @lipnet `Householder` with `kCoefLip: 1`: deel-lip 1.5 stores `k_coef_lip` on it (a
 * Sequential with k ≠ 1 sets it) but never applies it, where lipnet's Householder multiplies by it; k = 1 keeps
 * the outputs equal. The angles θ are loaded (their initializer no longer matters).
 */
const householder: LayerConverter = (r) => {
  r.number('k_coef_lip', 1, { min: 0 });
  const args = { ...baseArgs(r), kCoefLip: 1 };
  channelsLast(r);
  r.ignore('theta_initializer');
  return { layers: [new Householder(args)], weights: [{ saved: 'theta', target: 'theta' }] };
};

/**
 * deel-lip `PReLUlip(k)`, saved as Keras `PReLU(alpha_constraint=MinMaxNorm(−k, k))` → @lipnet `PReLUlip(k)`.
 * Forward passes agree (the constraint keeps every |α| ≤ k, and lipnet clips α to [−k, k]); in further training
 * lipnet clips α in the forward pass where Keras rescales it after each step (see PReLUlip).
 */
const prelu: LayerConverter = (r) => {
  const args = baseArgs(r);
  const c = r.raw('alpha_constraint') as { class_name?: unknown; config?: Record<string, unknown> } | null | undefined;
  const cc = c?.config ?? {};
  const k = typeof cc['max_value'] === 'number' ? cc['max_value'] : NaN;
  const isLip =
    c?.class_name === 'MinMaxNorm' &&
    cc['min_value'] === -k &&
    k > 0 &&
    (cc['rate'] ?? 1) === 1 &&
    (cc['axis'] ?? 0) === 0;
  if (!isLip) {
    throw r.error(
      'alpha_constraint',
      "is not supported: lipnet loads a Keras PReLU only as deel-lip's PReLUlip(k), i.e. with alpha_constraint MinMaxNorm(min_value=-k, max_value=k); an unconstrained PReLU is not Lipschitz.",
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  r.only(
    'alpha_regularizer',
    [null],
    'lipnet does not reproduce it, and dropping it would change training. Remove it before saving.',
  );
  r.only(
    'shared_axes',
    [null],
    "lipnet's PReLUlip has one slope per input element. Save the model with shared_axes=None.",
  );
  r.ignore('alpha_initializer');
  return { layers: [new PReLUlip({ ...args, kCoefLip: k })], weights: [{ saved: 'alpha', target: 'alpha' }] };
};

/** Converters of deel-lip's activation layers (as layers of their own). */
export const DEEL_LIP_ACTIVATIONS: Record<string, LayerConverter> = {
  GroupSort: groupSortLike('GroupSort'),
  GroupSort2: groupSortLike('GroupSort2'),
  FullSort: groupSortLike('FullSort'),
  MaxMin: maxMin,
  Householder: householder,
};

/** Converters of Keras activation layers. */
export const KERAS_ACTIVATIONS: Record<string, LayerConverter> = { PReLU: prelu };

/**
 * The `activation` option of a layer: a Keras name → the tfjs name; a weightless deel-lip activation layer
 * (GroupSort, GroupSort2, FullSort, MaxMin) → that @lipnet layer. An activation with weights (Householder)
 * must be a layer of its own in lipnet, as its weights would not be saved with the owning layer. `rename`
 * replaces the activation layer's saved name (when it becomes a model layer of its own, names must be unique).
 */
export function activationArg(r: ConfigReader, ctx: ConverterContext, rename?: string): string | tfl.layers.Layer {
  const v = r.raw('activation');
  if (v === undefined || v === null) return 'linear';
  if (typeof v === 'string') return tfjsActivationName(r, 'activation', v);
  if (typeof v !== 'object' || Array.isArray(v))
    throw r.error('activation', 'is neither a name nor a layer config. The file is corrupt.');
  const spec = v as Record<string, unknown>;
  const { origin, className } = resolveClass(ctx.fn, `${r.where}: its activation`, spec);
  const convert = origin === 'deel-lip' && className !== 'Householder' ? DEEL_LIP_ACTIVATIONS[className] : undefined;
  if (!convert || typeof spec['config'] !== 'object' || spec['config'] === null) {
    throw r.error(
      'activation',
      `is not supported: lipnet's layers take a tfjs activation name or a weightless deel-lip activation layer (GroupSort, GroupSort2, FullSort, MaxMin) as activation, not ${origin} ${className}${className === 'Householder' ? ' (it has weights: make it a layer of its own)' : ''}.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  const config = { ...(spec['config'] as Record<string, unknown>), ...(rename ? { name: rename } : {}) };
  const where = `${r.where}: its activation ${describeLayer({ name: String(config['name'] ?? ''), origin, className })}`;
  const inner = new ConfigReader(ctx.fn, where, config);
  const converted = convert(inner, ctx);
  inner.finish();
  return converted.layers[0]!;
}
