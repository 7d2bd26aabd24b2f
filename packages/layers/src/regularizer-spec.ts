import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, formatValue, opt } from '@lipnet/core';

/** A tfjs-layers regularizer instance (`apply(w)` → scalar penalty). */
export type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

/**
 * How a layer option names a regularizer: `'l1'`, `'l2'`, `'l1l2'` (tfjs' defaults, 0.01), an instance
 * (`tf.regularizers.l2({l2: 1e-4})`, @lipnet/constraints' `OrthDenseRegularizer`, `LorthRegularizer`), or
 * `{className, config}` as a saved model's config holds it.
 */
export type RegularizerId =
  'l1' | 'l2' | 'l1l2' | Regularizer | { className: string; config: tf.serialization.ConfigDict };

/** Resolves a {@link RegularizerId}; `owner` (a class name) and `arg` (the option) prefix error messages. */
export function toRegularizer(
  owner: string,
  arg: string,
  id: RegularizerId | null | undefined,
): Regularizer | undefined {
  if (id === undefined || id === null) return undefined;
  if (id === 'l1') return tfl.regularizers.l1();
  if (id === 'l2') return tfl.regularizers.l2();
  if (id === 'l1l2') return tfl.regularizers.l1l2();
  const bad = (message: string) => new LipnetOptionError({ code: 'INVALID_OPTION', who: owner, option: arg, message });
  const fix =
    "Pass 'l1', 'l2', 'l1l2', a regularizer instance (e.g. tf.regularizers.l2({l2: 1e-4}) or new OrthDenseRegularizer()), or {className, config} of a registered class.";
  if (typeof id !== 'object') throw bad(`unknown \`${arg}\` ${formatValue(id)}. ${fix}`);
  if (typeof (id as Partial<Regularizer>).apply === 'function') return id as Regularizer;
  const spec = id as { className?: unknown; config?: tf.serialization.ConfigDict };
  const entry =
    typeof spec.className === 'string'
      ? tf.serialization.SerializationMap.getMap().classNameMap[spec.className]
      : undefined;
  if (!entry) {
    throw bad(`unknown \`${arg}\` ${formatValue(typeof spec.className === 'string' ? spec.className : id)}. ${fix}`);
  }
  return entry[1](entry[0], { ...(spec.config ?? {}) }) as unknown as Regularizer;
}

/**
 * The rule of a regularizer option (`kernelRegularizer`, `biasRegularizer`): resolved at
 * construction, so a wrong one fails there; `null` means none.
 */
export const regularizerOption = opt
  // (never undefined here: `resolve` handles undefined and `orNull` null before the check runs)
  .custom<Regularizer>("'l1', 'l2', 'l1l2', a regularizer instance or {className, config}", (v, ctx) =>
    toRegularizer(ctx.who, ctx.path, v as RegularizerId)!,
  )
  .orNull();

/** `{className, config}` of a regularizer for `getConfig()`, or undefined. */
export function serializeRegularizer(r: Regularizer | undefined): tf.serialization.ConfigDict | undefined {
  return r ? { className: r.getClassName(), config: r.getConfig() } : undefined;
}
