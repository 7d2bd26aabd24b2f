import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetConfigError, fmt } from '@lipnet/constraints';
import { SpectralInitializer } from './spectral-initializer';

/** A tfjs initializer instance. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;
/** An initializer as the layers take it: a camelCase name, an instance, or a saved `{className, config}`. */
export type InitializerId = string | Initializer;

/**
 * The initializer an {@link InitializerId} names: a tfjs name ('orthogonal' is
 * {@link SpectralInitializer}, deel-lip's default), an instance, or `{className, config}` as a
 * saved model's config holds it (revived through tfjs' serialization registry). `owner` prefixes errors.
 */
export function initializerFrom(owner: string, id: InitializerId): Initializer {
  if (typeof id === 'string') return resolveInitializer(id);
  if (typeof (id as Initializer).apply === 'function') return id as Initializer;
  // {className, config}: an initializer serialised in a saved model's config
  const spec = id as unknown as { className: string; config: tf.serialization.ConfigDict };
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[spec.className];
  if (!entry) {
    throw new LipnetConfigError(
      `${owner}: unknown initializer class ${fmt(spec.className)}. Import the package that registers it before loading the model.`,
    );
  }
  return entry[1](entry[0], { ...(spec.config ?? {}) }) as unknown as Initializer;
}

/** tfjs initializer from a camelCase identifier ('orthogonal', 'glorotUniform', 'zeros', …). */
function resolveInitializer(id: string): Initializer {
  const table: Record<string, () => Initializer> = {
    orthogonal: () => new SpectralInitializer() as unknown as Initializer,
    spectralInitializer: () => new SpectralInitializer() as unknown as Initializer,
    glorotUniform: () => tfl.initializers.glorotUniform({}),
    glorotNormal: () => tfl.initializers.glorotNormal({}),
    heNormal: () => tfl.initializers.heNormal({}),
    heUniform: () => tfl.initializers.heUniform({}),
    leCunNormal: () => tfl.initializers.leCunNormal({}),
    leCunUniform: () => tfl.initializers.leCunUniform({}),
    randomNormal: () => tfl.initializers.randomNormal({}),
    randomUniform: () => tfl.initializers.randomUniform({}),
    truncatedNormal: () => tfl.initializers.truncatedNormal({}),
    zeros: () => tfl.initializers.zeros(),
    ones: () => tfl.initializers.ones(),
  };
  const f = table[id];
  if (!f) {
    throw new LipnetConfigError(
      `unknown initializer ${fmt(id)}. Pass one of ${Object.keys(table).join(', ')}, or an initializer instance.`,
    );
  }
  return f();
}
