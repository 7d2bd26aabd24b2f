import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose, singularValues } from '@lipnet/test-utils';
import {
  SpectralConstraint,
  FrobeniusConstraint,
  WeightClipConstraint,
  AutoWeightClipConstraint,
  frobeniusNormalization,
  frobeniusNormalizationPerNeuron,
} from '../src';

function roundTrip<T extends tf.serialization.Serializable>(obj: T): T {
  const cls = obj.constructor as tf.serialization.SerializableConstructor<T>;
  const json = JSON.parse(JSON.stringify({ className: cls.className, config: obj.getConfig() })) as {
    className: string;
    config: tf.serialization.ConfigDict;
  };
  const [ctor, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[json.className]!;
  return fromConfig(ctor, json.config) as T;
}

describe('Frobenius normalisation', () => {
  it('whole kernel: unit Frobenius norm; per neuron: unit column norms', () => {
    expectTensorsClose(frobeniusNormalization(tf.tensor2d([[3], [4]])), [[0.6], [0.8]]);
    expectTensorsClose(
      frobeniusNormalizationPerNeuron(
        tf.tensor2d([
          [3, 1],
          [4, 0],
        ]),
      ),
      [
        [0.6, 1],
        [0.8, 0],
      ],
    );
    const k = tf.randomNormal([3, 3, 2, 5]);
    const n = frobeniusNormalizationPerNeuron(k);
    expectTensorsClose(tf.sqrt(tf.sum(tf.square(n), [0, 1, 2])), [1, 1, 1, 1, 1], { atol: 1e-5 });
  });
});

describe('constraint classes', () => {
  it('WeightClipConstraint clips to ±c and round-trips', () => {
    const c = new WeightClipConstraint({ c: 0.5 });
    expectTensorsClose(c.apply(tf.tensor1d([-2, 0.2, 3])), [-0.5, 0.2, 0.5]);
    expect(roundTrip(c).c).toBe(0.5);
    expect(() => new WeightClipConstraint({ c: -1 })).toThrow(
      /WeightClipConstraint: expected `c` to be a positive number, got -1/,
    );
  });

  it('AutoWeightClipConstraint uses c = 1/(√size·scale)', () => {
    const c = new AutoWeightClipConstraint({ scale: 2 });
    // size 4 → c = 1/(2·2) = 0.25
    expectTensorsClose(c.apply(tf.tensor1d([-1, 0.1, 0.3, 2])), [-0.25, 0.1, 0.25, 0.25]);
    expect(roundTrip(c).scale).toBe(2);
  });

  it('FrobeniusConstraint divides by ‖W‖_F + eps', () => {
    const c = new FrobeniusConstraint();
    expectTensorsClose(c.apply(tf.tensor1d([3, 4])), [3 / (5 + 1e-7), 4 / (5 + 1e-7)]);
    expect(roundTrip(c).eps).toBe(1e-7);
  });

  it('SpectralConstraint projects to k·orthogonal, keeps u, and round-trips its config', () => {
    const c = new SpectralConstraint({ kCoefLip: 2 });
    const w = c.apply(tf.randomNormal([10, 4], 0, 1, 'float32', 1));
    const s = singularValues(w.dataSync(), 10, 4);
    for (const x of s) expect(Math.abs(x - 2) / 2).toBeLessThan(2e-3);
    const back = roundTrip(c);
    expect(back.getConfig()).toEqual(c.getConfig());
    expect((c.getConfig().u as number[]).length).toBe(4);
    const legacy = roundTrip(new SpectralConstraint({ deelLipVersion: '1.2', niterBjorck: 20 }));
    expect(legacy.getConfig()).toMatchObject({
      deelLipVersion: '1.2',
      niterSpectral: 3,
      niterBjorck: 20,
      betaBjorck: 0.25,
    });
  });

  it('serialises inside a tfjs model config as kernelConstraint and is revived by class name', async () => {
    const layer = tfl.layers.dense({
      units: 3,
      inputShape: [6],
      kernelConstraint: new SpectralConstraint({ kCoefLip: 0.5 }),
    });
    const m = tfl.sequential({ layers: [layer] });
    const json = JSON.parse(JSON.stringify(m.toJSON(null, false))) as tf.serialization.ConfigDict;
    const back = await tfl.models.modelFromJSON(json);
    const c = (back.layers[0] as unknown as { kernelConstraint: SpectralConstraint }).kernelConstraint;
    expect(c).toBeInstanceOf(SpectralConstraint);
    expect(c.kCoefLip).toBe(0.5);
    const s = singularValues(c.apply(tf.randomNormal([6, 3])).dataSync(), 6, 3);
    expect(s[0]!).toBeLessThanOrEqual(0.5 * (1 + 1e-3));
  });
});
