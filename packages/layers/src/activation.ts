import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, formatValue } from '@lipnet/core';

/**
 * What a @lipnet layer's `activation` accepts: a tfjs activation name
 * (`'relu'`, `'linear'`, …), a weightless layer instance (e.g. `new GroupSort({n: 2})`,
 * the notebook's `GroupSort(2)`), or the serialised form `{className, config}`
 * of such a layer (how it is stored in model.json). `null`/`undefined`/`'linear'`: none.
 */
export type ActivationIdentifier =
  string | tfl.layers.Layer | { className: string; config: tf.serialization.ConfigDict } | null | undefined;

/** A resolved activation: the layer to apply (or null) and its serialisable form. */
export interface ResolvedActivation {
  layer: tfl.layers.Layer | null;
  config: string | { className: string; config: tf.serialization.ConfigDict } | null;
}

/** Instantiates a registered class from `{className, config}` through tfjs' serialization registry. */
export function deserializeLayer(
  owner: string,
  spec: { className: string; config: tf.serialization.ConfigDict },
): tfl.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (!entry) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'activation',
      message: `unknown activation class ${formatValue(spec.className)}. Import the package that registers it (e.g. @lipnet/layers for GroupSort) before building or loading the model.`,
    });
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...spec.config }) as unknown as tfl.layers.Layer;
}

/**
 * Resolves an {@link ActivationIdentifier}; a string is checked by building a
 * tfjs `Activation` layer (unknown names throw, naming the argument).
 */
export function resolveActivation(owner: string, id: ActivationIdentifier): ResolvedActivation {
  if (id === null || id === undefined || id === 'linear') return { layer: null, config: null };
  if (typeof id === 'string') {
    try {
      return { layer: tfl.layers.activation({ activation: id as 'relu' }), config: id };
    } catch {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: owner,
        option: 'activation',
        message: `unknown \`activation\` ${formatValue(id)}. Pass a tfjs activation name such as 'relu' (elu, gelu, hardSigmoid, linear, mish, relu6, selu, sigmoid, softmax, softplus, softsign, swish, tanh), or a layer such as new GroupSort({n: 2}).`,
      });
    }
  }
  if (id instanceof tfl.layers.Layer) {
    const cls = id.constructor as unknown as { className: string };
    return { layer: id, config: { className: cls.className, config: id.getConfig() } };
  }
  if (typeof id === 'object' && typeof (id as { className?: unknown }).className === 'string') {
    const layer = deserializeLayer(owner, id);
    return { layer, config: { className: id.className, config: id.config ?? {} } };
  }
  throw new LipnetOptionError({
    code: 'INVALID_OPTION',
    who: owner,
    option: 'activation',
    message: `expected \`activation\` to be a tfjs activation name, a layer or {className, config}, got ${formatValue(id)}. Pass e.g. 'relu' or new GroupSort({n: 2}).`,
  });
}

/** A fresh instance of the same activation (for exports), or null. */
export function cloneActivation(owner: string, r: ResolvedActivation): tfl.layers.Layer | null {
  if (!r.config) return null;
  if (typeof r.config === 'string') return tfl.layers.activation({ activation: r.config as 'relu' });
  return deserializeLayer(owner, r.config);
}
