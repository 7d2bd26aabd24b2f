import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetConfigError, fmt } from '@lipnet/constraints';
import { SpectralInitializer } from './spectral-initializer';

/** A tfjs-layers initializer instance. */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/**
 * How a layer option names an initializer: a camelCase identifier ('orthogonal',
 * 'glorotUniform', 'zeros', …), an instance, or `{className, config}` as a saved
 * model's config holds it.
 */
export type InitializerId = string | Initializer;

/** The initializer named by a camelCase identifier. */
function byName(owner: string, id: string): Initializer {
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
      `${owner}: unknown initializer ${fmt(id)}. Pass one of ${Object.keys(table).join(', ')}, or an initializer instance.`,
    );
  }
  return f();
}

/** Resolves an {@link InitializerId} to an instance; `owner` (a class name) prefixes error messages. */
export function toInitializer(owner: string, id: InitializerId): Initializer {
  if (typeof id === 'string') return byName(owner, id);
  if (typeof (id as Initializer).apply === 'function') return id as Initializer;
  const spec = id as unknown as { className?: string; config?: tf.serialization.ConfigDict };
  const entry = spec.className ? tf.serialization.SerializationMap.getMap().classNameMap[spec.className] : undefined;
  if (!entry) {
    throw new LipnetConfigError(
      `${owner}: unknown initializer class ${fmt(spec.className)}. Import the package that registers it before loading the model.`,
    );
  }
  return entry[1](entry[0], { ...(spec.config ?? {}) }) as unknown as Initializer;
}

/** The JSON form of an {@link InitializerId} for `getConfig()`: the identifier, or `{className, config}`. */
export function serializeInitializer(id: InitializerId): tf.serialization.ConfigDictValue {
  if (typeof id === 'string' || id === undefined) return id as string;
  const inst = id as unknown as tf.serialization.Serializable;
  if (typeof inst.getClassName === 'function') return { className: inst.getClassName(), config: inst.getConfig() };
  return id as unknown as tf.serialization.ConfigDict;
}
