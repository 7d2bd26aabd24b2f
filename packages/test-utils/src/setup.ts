/**
 * Jest setup shared by every @lipnet package: the pure-JS `cpu` backend (exact,
 * deterministic, available everywhere) and the gradients that tfjs-layers
 * registers on import. Tests never pick another backend unless they say so.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend prints "looks like you are running TensorFlow.js in Node.js … install
  // our node backend" with a stack on its first tensor; in tests the cpu backend is chosen
  // on purpose, so mark it as already used.
  Object.assign(tf.backend(), { firstUse: false });
});
