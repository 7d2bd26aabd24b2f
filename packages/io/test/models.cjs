// Two small models with fixed weights, built the same way by the tests and by the crash child process.
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');

/** Deterministic values 0.01·((i·7) mod 23) − 0.1 for a weight of `shape`. */
function fixed(shape, offset) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => 0.01 * (((i + offset) * 7) % 23) - 0.1),
    shape,
  );
}

function withFixedWeights(model, offset) {
  model.setWeights(model.getWeights().map((w, i) => fixed(w.shape, offset + 31 * i)));
  return model;
}

/** Model "A": 4 → dense 3. */
function modelA() {
  return withFixedWeights(tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4] })] }), 1);
}

/** Model "B": 4 → dense 5 (relu) → dense 2, a different architecture so a mix of A and B cannot load. */
function modelB() {
  const layers = [tfl.layers.dense({ units: 5, inputShape: [4], activation: 'relu' }), tfl.layers.dense({ units: 2 })];
  return withFixedWeights(tfl.sequential({ layers }), 5);
}

module.exports = { modelA, modelB };
