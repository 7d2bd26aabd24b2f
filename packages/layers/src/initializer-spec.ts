import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, closestMatch, formatValue, opt } from '@lipnet/core';
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
function byName(owner: string, id: string, arg: string): Initializer {
  const table: Record<string, () => Initializer> = {
    orthogonal: () => new SpectralInitializer(),
    spectralInitializer: () => new SpectralInitializer(),
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
    const guess = closestMatch(id, Object.keys(table));
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: arg,
      message: `unknown initializer ${formatValue(id)} for \`${arg}\`.${guess ? ` Did you mean '${guess}'?` : ''} Pass one of ${Object.keys(table).join(', ')}, or an initializer instance.`,
    });
  }
  return f();
}

/**
 * Resolves an {@link InitializerId} to an instance; errors name `owner` (a class name) and the
 * option `arg`, and are `LipnetOptionError`s.
 */
export function toInitializer(owner: string, id: InitializerId, arg = 'kernelInitializer'): Initializer {
  if (typeof id === 'string') return byName(owner, id, arg);
  if (typeof id !== 'object' || id === null) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: arg,
      expected: 'be an initializer name, instance or {className, config}',
      got: formatValue(id),
      fix: "Pass e.g. 'orthogonal' or 'glorotUniform'.",
    });
  }
  if (typeof (id as Partial<Initializer>).apply === 'function') return id;
  const spec = id as unknown as { className?: unknown; config?: tf.serialization.ConfigDict };
  const entry =
    typeof spec.className === 'string'
      ? tf.serialization.SerializationMap.getMap().classNameMap[spec.className]
      : undefined;
  if (!entry) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: arg,
      message: `unknown initializer class ${formatValue(spec.className)} in \`${arg}\`. Import the package that registers it before loading the model.`,
    });
  }
  return entry[1](entry[0], { ...(spec.config ?? {}) }) as unknown as Initializer;
}

/**
 * The rule of an initializer option (`kernelInitializer`, `biasInitializer`, …): checked at
 * construction by resolving it once (so a wrong name fails there, not at `build`); the identifier
 * itself is kept, for `getConfig`.
 */
export const initializerOption = opt.custom<InitializerId>(
  'an initializer name, instance or {className, config}',
  (v, ctx) => {
    toInitializer(ctx.who, v as InitializerId, ctx.path);
    return v as InitializerId;
  },
);

/** The JSON form of an {@link InitializerId} for `getConfig()`: the identifier, or `{className, config}`. */
export function serializeInitializer(id: InitializerId): tf.serialization.ConfigDictValue {
  if (typeof id === 'string' || id === undefined) return id;
  const inst = id as unknown as tf.serialization.Serializable;
  if (typeof inst.getClassName === 'function') return { className: inst.getClassName(), config: inst.getConfig() };
  return id as unknown as tf.serialization.ConfigDict;
}
