/**
 * Jest setup shared by every @lipnet package: the pure-JS `cpu` backend (exact,
 * deterministic, available everywhere) and the gradients that tfjs-layers
 * registers on import. Tests never pick another backend unless they say so.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

// Silence it already for tensors a test file creates at import time, before beforeAll
// (the cpu backend's factory is synchronous, so tf.backend() is the cpu backend here).
void tf.setBackend('cpu');
Object.assign(tf.backend(), { firstUse: false });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend prints "looks like you are running TensorFlow.js in Node.js … install
  // our node backend" with a stack on its first tensor; in tests the cpu backend is chosen
  // on purpose, so mark it as already used.
  Object.assign(tf.backend(), { firstUse: false });
});
