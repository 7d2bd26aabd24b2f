/**
 * demo4's network and training objective as the benchmarks build them (child.cjs, and
 * tools/native/bench-winograd-step.cjs): the notebook's model and its optimizer, loss and metrics.
 */
'use strict';
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const L = require('@lipnet/layers');
const { MulticlassHKR, MulticlassKR } = require('@lipnet/losses');

/** The notebook's network (deel-lip 1.5 normaliser defaults), as demo4 builds it. */
function demo4Model(seed) {
  const ortho = (k) => new L.SpectralInitializer({ seed: seed * 31 + k });
  const gs = () => new L.GroupSort({ n: 2 });
  return L.sequential({
    name: 'hkr_model',
    kCoefLip: 1,
    warn: () => undefined,
    layers: [
      L.spectralConv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: [3, 3],
        activation: gs(),
        kernelInitializer: ortho(1),
      }),
      L.scaledL2NormPooling2D({ poolSize: [2, 2] }),
      L.spectralConv2d({ filters: 32, kernelSize: [3, 3], activation: gs(), kernelInitializer: ortho(2) }),
      L.scaledL2NormPooling2D({ poolSize: [2, 2] }),
      tfl.layers.flatten(),
      L.spectralDense({ units: 64, activation: gs(), kernelInitializer: ortho(3) }),
      L.frobeniusDense({ units: 10, useBias: false, kernelInitializer: ortho(4), disjointNeurons: true }),
    ],
  });
}

/** demo4's optimizer, loss and metrics (the notebook's, deel-lip 1.2 semantics). */
function demo4Objective() {
  return {
    optimizer: tf.train.adam(1e-4),
    loss: MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2', validate: false }),
    metrics: [tfl.metrics.categoricalAccuracy, MulticlassKR({ deelLipVersion: '1.2', validate: false })],
  };
}

module.exports = { demo4Model, demo4Objective };
