/**
 * Property tests (fast-check, fixed seed 14, 200 runs each) over every exported layer class, found from
 * the package's exports (the torchlip layers, normalisations, residual, activations and poolings
 * included): random option objects over the class's own option names (read from its refusal of an
 * unknown key), near misses and values of every type. A layer is built and maps a finite [1, 4, 4, 4]
 * input (two of them for LipResidual) to finite outputs (or refuses the input with a LipnetError naming it), or the constructor throws
 * a LipnetError naming the option — never a raw TypeError, NaN or a leaked tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { LipnetError } from '@lipnet/core';
import { resultOrLipnetError } from '@lipnet/test-utils';
import * as Ly from '../src';

type LayerClass = new (options?: unknown) => tfl.layers.Layer;

/** The option names a class declares, read from its refusal of an unknown key; undefined if it has none. */
function declaredKeys(C: LayerClass, required: object): string[] | undefined {
  try {
    new C({ ...required, zzUnknownOption: 1 });
  } catch (e) {
    if (!(e instanceof LipnetError) || e.code !== 'UNKNOWN_OPTION') return undefined;
    if (e.message.includes('It takes no options.')) return [];
    return /Valid options: (.*)\.$/.exec(e.message)?.[1]?.split(', ');
  }
  return undefined;
}

/** The options without which a class cannot be built (its refusal of `{}` says which). */
const REQUIRED: Record<string, object> = {
  SpectralDense: { units: 3 },
  FrobeniusDense: { units: 3 },
  SpectralConv2D: { filters: 2, kernelSize: 3 },
  FrobeniusConv2D: { filters: 2, kernelSize: 3 },
  InvertibleDownSampling: { poolSize: 2 },
  InvertibleUpSampling: { poolSize: 2 },
};

const isLayerClass = (v: unknown): v is LayerClass =>
  typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof tfl.layers.Layer;
const CLASSES = (Object.entries(Ly) as [string, unknown][])
  .filter((e): e is [string, LayerClass] => isLayerClass(e[1]))
  .map(([name, C]) => [name, C, REQUIRED[name] ?? {}, declaredKeys(C, REQUIRED[name] ?? {})] as const)
  .filter((e): e is readonly [string, LayerClass, object, string[]] => e[3] !== undefined);

const value = fc.oneof(
  fc.constantFrom(1, 2, 3, 0.5, true, false, 'same', 'valid', 'channelsLast', 'channelsFirst', [2, 2], [1], null),
  fc.constantFrom(0, -1, NaN, Infinity, 2.5, 'yes', 'spacetodepth', 'pixelshuffle', [0, 3], {}),
  // Doubles within ±1e6: beyond float32's range (±3.4e38) a kCoefLip or scale overflows as any float32 op does.
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);

describe('every layer class: a working layer or a LipnetError naming the option', () => {
  it('covers the exported layer classes', () => expect(CLASSES.length).toBeGreaterThanOrEqual(20));

  it.each(CLASSES.map(([name, C, required, keys]) => [name, C, required, keys]))('%s', (name, C, required, keys) => {
    let computed = 0;
    const options = fc
      .dictionary(fc.constantFrom(...keys, ...keys.map((k) => k.toLowerCase()), 'bogus'), value, { maxKeys: 2 })
      .map((o) => ({ ...required, ...o }));
    fc.assert(
      fc.property(fc.oneof({ weight: 1, arbitrary: fc.constant(required) }, { weight: 4, arbitrary: options }), (o) => {
        const layer = resultOrLipnetError(() => new C(o));
        if (!layer) return;
        const before = tf.memory().numTensors;
        const x = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 3);
        const y = resultOrLipnetError(() => layer.apply(name === 'LipResidual' ? [x, x] : x) as tf.Tensor);
        if (y) {
          expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
          y.dispose();
          computed++;
        }
        x.dispose();
        if (layer.built) layer.dispose();
        expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
      }),
      { seed: 14, numRuns: 200 },
    );
    expect(computed).toBeGreaterThan(0);
  });
});
