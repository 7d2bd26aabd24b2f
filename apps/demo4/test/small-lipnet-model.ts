import * as tfl from '@tensorflow/tfjs-layers';
import { GroupSort, frobeniusDense, sequential, spectralDense } from '@lipnet/layers';

/**
 * A small @lipnet network for training-loop tests: SpectralDense(8, GroupSort 2)
 * on 6 inputs → FrobeniusDense(4, no bias), seeded kernels (the power-iteration
 * vector of SpectralDense is random: copy weights to compare two instances).
 */
export function smallLipnetModel(): tfl.LayersModel {
  return sequential({
    kCoefLip: 1,
    warn: () => undefined,
    layers: [
      spectralDense({
        units: 8,
        inputShape: [6],
        activation: new GroupSort({ n: 2 }),
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      frobeniusDense({ units: 4, useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}
