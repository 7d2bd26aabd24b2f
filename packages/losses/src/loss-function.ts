import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError, closestMatch, formatValue, type DeelLipVersion } from '@lipnet/core';
import { checkShapes, checkValues, type LabelKind } from './validation';

/**
 * How per-sample values are reduced, as Keras' `reduction` in deel-lip:
 * - `'mean'` (default; Keras `AUTO` / `SUM_OVER_BATCH_SIZE`): a scalar, the batch mean;
 * - `'sum'`: a scalar, the batch sum;
 * - `'none'`: a `[batch]` tensor of element-wise values.
 *
 * tfjs-layers' `fit`/`evaluate` take `tf.mean` of whatever the loss returns, so `'mean'` and
 * `'none'` log the same number. Use `'none'` with `classWeight`: tfjs multiplies the returned
 * tensor by the per-sample weights before the mean, which only weights samples when the
 * loss returns one value per sample.
 */
export type Reduction = 'mean' | 'sum' | 'none';
/** The accepted `reduction` values, in documentation order. */
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/** Options shared by every loss. */
export interface BaseLossArgs {
  /** Reduction over the batch (default `'mean'`), see {@link Reduction}. */
  reduction?: Reduction;
  /**
   * Check label values and NaN/Infinity on every call (default `true`). Shapes are always
   * checked (free). The value check reads back one 3-number flag vector per call (one
   * `dataSync`): negligible on cpu/wasm/node, a pipeline stall on webgl/webgpu, where
   * `validate: false` is the better choice for training once the data pipeline is trusted.
   */
  validate?: boolean;
  /**
   * The function's `name`, which tfjs-layers uses as the log key (`getLossOrMetricName`
   * returns `fn.name`). Defaults to the deel-lip class name, e.g. `MulticlassKR`, so `fit`
   * logs `MulticlassKR` and `val_MulticlassKR` as in the notebook.
   */
  name?: string;
}

/** A JSON-safe configuration: `Infinity` is written as the string `'inf'`. */
export type LossConfig = Record<string, number | string | boolean>;

/**
 * A loss/metric usable in `model.compile({loss, metrics})`: a plain
 * `(yTrue, yPred) => Tensor` function (what tfjs-layers 4.22 calls), named after the
 * deel-lip class, with its deel-lip class name and configuration attached (as
 * non-enumerable properties, so tfjs' training-config serialisation ignores them).
 */
export interface LipschitzLoss {
  (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
  /** The deel-lip class name, e.g. `'MulticlassHKR'`. */
  readonly className: string;
  /** The constructor arguments, camelCase, JSON-safe (`alpha: Infinity` → `'inf'`); schedulable parameters at their current value. */
  getConfig(): LossConfig;
  /**
   * Names of the parameters that can change between calls with {@link setParam} (deel-lip keeps
   * them in `tf.Variable`s, e.g. `alpha`, `minMargin`, `tau`); empty when none.
   */
  readonly paramNames: readonly string[];
  /** Current value of a schedulable parameter. */
  getParam(name: string): number;
  /**
   * Sets a schedulable parameter, checked as in the constructor; the next call uses it (tfjs
   * runs eagerly, so this takes effect at the next training step). deel-lip:
   * `loss.<param>.assign(value)`, what `LossParamScheduler` does.
   */
  setParam(name: string, value: number): void;
}

/** A schedulable loss parameter: its initial value and the check applied to every new value. */
export interface ParamSpec {
  value: number;
  check: (v: unknown) => number;
}

/**
 * Per-sample values `[n]` from float32 labels (or int32 for sparse) and float32 predictions
 * `[n, C]`; `params` holds the current values of the schedulable parameters.
 */
export type ElementwiseFn = (
  yTrue: tf.Tensor,
  yPred: tf.Tensor2D,
  params: Readonly<Record<string, number>>,
) => tf.Tensor1D;

interface MakeLossSpec {
  className: string;
  labels: LabelKind;
  config: LossConfig;
  base: ResolvedBase;
  elementwise: ElementwiseFn;
  /** deelLipVersion '1.2': a batch scalar, `reduction` must be `'mean'`. */
  batchScalar?: boolean;
  /** Extra properties to attach (e.g. state accessors). */
  extra?: Record<string, unknown>;
  /** Parameters that {@link LipschitzLoss.setParam} may change (their config entries follow them). */
  params?: Record<string, ParamSpec>;
}

/** The base options, checked by each loss's schema (`lossOptions`), with defaults applied. */
export interface ResolvedBase {
  reduction: Reduction;
  validate: boolean;
  name?: string | undefined;
}

/** Refuses `reduction` other than 'mean' for a deel-lip 1.2 batch-scalar loss; returns the log name. */
function resolveBase(className: string, b: ResolvedBase, batchScalar: boolean) {
  if (batchScalar && b.reduction !== 'mean') {
    throw new LipnetOptionError({
      code: 'CONFLICTING_OPTIONS',
      who: className,
      option: 'reduction',
      message: `expected \`reduction\` 'mean' with deelLipVersion '1.2', got '${b.reduction}'. deel-lip 1.2 losses are batch scalars; use deelLipVersion '1.5' for element-wise values.`,
    });
  }
  return { reduction: b.reduction, validate: b.validate, name: b.name ?? className };
}

/** Encodes ±Infinity as 'inf' / '-inf' so a config survives JSON. */
export function jsonNumber(x: number): number | string {
  return x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x;
}

/** Builds the named loss function around an element-wise formula. */
export function makeLoss(spec: MakeLossSpec): LipschitzLoss {
  const { reduction, validate, name } = resolveBase(spec.className, spec.base, spec.batchScalar ?? false);
  const config: LossConfig = { ...spec.config, reduction, validate, name };
  const { className, labels, elementwise } = spec;
  const specs = spec.params ?? {};
  const params: Record<string, number> = {};
  for (const [k, p] of Object.entries(specs)) params[k] = p.value;
  const paramNames = Object.freeze(Object.keys(specs));
  const known = (n: string) => {
    if (!(n in specs)) {
      const guess = typeof n === 'string' ? closestMatch(n, paramNames) : undefined;
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: className,
        option: 'name',
        message:
          `no schedulable parameter ${formatValue(n)}.${guess ? ` Did you mean '${guess}'?` : ''} ` +
          (paramNames.length ? `Pass one of ${paramNames.map((k) => `'${k}'`).join(', ')}.` : 'This loss has none.'),
      });
    }
  };
  const fn = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => {
    checkShapes(className, labels, yTrue, yPred);
    if (validate) checkValues(className, labels, yTrue, yPred);
    return tf.tidy(() => {
      const p = tf.cast(yPred, 'float32') as tf.Tensor2D;
      const t = labels === 'sparse' ? tf.cast(tf.reshape(yTrue, [-1]), 'int32') : tf.cast(yTrue, 'float32');
      const values = elementwise(t, p, params);
      if (reduction === 'none') return values;
      return reduction === 'sum' ? tf.sum(values) : tf.mean(values);
    });
  };
  Object.defineProperty(fn, 'name', { value: name });
  Object.defineProperty(fn, 'className', { value: className });
  const current = (): LossConfig => {
    const c: LossConfig = { ...config };
    for (const k of paramNames) c[k] = jsonNumber(params[k]!);
    return c;
  };
  Object.defineProperty(fn, 'getConfig', { value: current });
  Object.defineProperty(fn, 'paramNames', { value: paramNames });
  Object.defineProperty(fn, 'getParam', {
    value: (n: string) => {
      known(n);
      return params[n]!;
    },
  });
  Object.defineProperty(fn, 'setParam', {
    value: (n: string, v: number) => {
      known(n);
      params[n] = specs[n]!.check(v);
    },
  });
  for (const [k, v] of Object.entries(spec.extra ?? {})) Object.defineProperty(fn, k, { value: v });
  return fn as unknown as LipschitzLoss;
}

type Factory = (config: Record<string, unknown>) => LipschitzLoss;
const registry = new Map<string, Factory>();

/** Registers a factory under its deel-lip class name, for {@link lossFromConfig}. */
export function registerLoss(className: string, factory: Factory): void {
  registry.set(className, factory);
}

/**
 * Rebuilds a loss from `{className, config}` (as produced by `loss.className` and
 * `loss.getConfig()`), the counterpart of Keras' `deserialize`. tfjs-layers 4.22 saves only
 * string loss names in a model's training config, and none of ours, so persist this
 * pair next to `model.json` if you need it.
 *
 * @example
 * const l = MulticlassHKR({alpha: 100, minMargin: 0.5});
 * const same = lossFromConfig({className: l.className, config: JSON.parse(JSON.stringify(l.getConfig()))});
 */
export function lossFromConfig(spec: { className: string; config?: Record<string, unknown> }): LipschitzLoss {
  const f = registry.get(spec.className);
  if (!f) {
    const known = [...registry.keys()].sort();
    const guess = typeof spec.className === 'string' ? closestMatch(spec.className, known) : undefined;
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: 'lossFromConfig',
      option: 'className',
      message:
        `unknown loss \`className\` ${formatValue(spec.className)}.${guess ? ` Did you mean '${guess}'?` : ''} ` +
        `Known: ${known.join(', ')}. Import @lipnet/losses before deserialising.`,
    });
  }
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.config ?? {}))
    config[k] = v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
  return f(config);
}

/**
 * deel-lip 1.2's binary losses pooled every entry of a `[n, C]` batch (`KR` took
 * `mean(ŷ[y == 1]) − mean(ŷ[y ≠ 1])` over the whole tensor, `HingeMargin` the mean over all
 * entries). Flattening to `[n·C, 1]` gives per-entry values whose mean is that scalar.
 */
export function pooled(f: ElementwiseFn): ElementwiseFn {
  return (t, p, params) => tf.tidy(() => f(tf.reshape(t, [-1, 1]), tf.reshape(p, [-1, 1]) as tf.Tensor2D, params));
}

/**
 * The margin a hinge term uses for `minMargin` m: deel-lip 1.4 and later halve it
 * (`relu(m/2 − s·ŷ)`, commit 1e7010c); 1.2 used the full m.
 */
export function effectiveHingeMargin(m: number, deelLipVersion: DeelLipVersion): number {
  return deelLipVersion === '1.2' ? m : m / 2;
}
