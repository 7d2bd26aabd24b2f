import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as A from '../../src/activations';
import * as P from '../../src/pooling';

type WithBound = tfl.layers.Layer & { lipschitzBound(): number };
type BoundClass = { lipschitzBoundFromConfig(c: tf.serialization.ConfigDict): number };

describe('lipschitzBound / lipschitzBoundFromConfig (hint for @lipnet/certificates)', () => {
  it('the static bound, found by className in the tfjs serialization registry, equals the instance bound', () => {
    const layers: WithBound[] = [
      A.groupSort({ n: 3, kCoefLip: 0.7 }),
      A.groupSort2({ kCoefLip: 2 }),
      A.fullSort(),
      A.maxMin({ kCoefLip: 0.5 }),
      A.preluLip({ kCoefLip: 0.3 }),
      A.preluLip({ kCoefLip: 3 }),
      P.scaledAveragePooling2D({ kCoefLip: 0.9 }),
      P.scaledL2NormPooling2D({ poolSize: 3, kCoefLip: 1.1 }),
      P.scaledGlobalAveragePooling2D({ kCoefLip: 0.8 }),
      P.scaledGlobalL2NormPooling2D(),
      P.invertibleDownSampling({ poolSize: 2 }),
      P.invertibleUpSampling({ poolSize: 2 }),
    ];
    const expected = [0.7, 2, 1, 0.5, 1, 3, 0.9, 1.1, 0.8, 1, 1, 1];
    const registry = tf.serialization.SerializationMap.getMap().classNameMap;
    layers.forEach((layer, i) => {
      expect(layer.lipschitzBound()).toBe(expected[i]);
      const entry = registry[layer.getClassName()];
      expect(entry).toBeDefined();
      const cls = entry![0] as unknown as BoundClass;
      expect(cls.lipschitzBoundFromConfig(layer.getConfig())).toBe(expected[i]);
    });
  });
});
