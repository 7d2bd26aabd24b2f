// Measures L2CarliniWagnerAttack per-step cost on a demo4-sized net (conv16 → avgpool → conv32 →
// avgpool → dense64 → dense10, 28×28×1) for 10 images, against a bare forward+backward step.
// Usage (after `pnpm build`): node bench/cw-step.js [backend=cpu] [steps=40]
require('@tensorflow/tfjs-backend-cpu');
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const { L2CarliniWagnerAttack } = require('../dist');

async function main() {
  await tf.setBackend(process.argv[2] || 'cpu');
  const steps = Number(process.argv[3] || 40);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  const x = tf.randomUniform([10, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = Array.from(tf.argMax(model.predict(x), 1).dataSync());
  const f = (t) => model.apply(t, { training: false });
  // Bare step: loss + gradient w.r.t. the input, nothing else.
  const bare = () =>
    tf.tidy(() =>
      tf
        .valueAndGrad((t) => tf.sum(f(t)))(x)
        .grad.dataSync(),
    );
  bare();
  let t0 = Date.now();
  for (let i = 0; i < steps; i++) tf.tidy(() => tf.valueAndGrad((t) => tf.sum(f(t)))(x).grad);
  bare();
  const bareMs = (Date.now() - t0) / steps;
  const cw = new L2CarliniWagnerAttack({ binarySearchSteps: 1, steps, abortEarly: false });
  const before = tf.memory().numTensors;
  t0 = Date.now();
  const r = await cw.run(f, x, labels);
  const cwMs = (Date.now() - t0) / steps;
  tf.dispose([r.raw, r.clipped, r.success]);
  console.log(
    JSON.stringify({
      backend: tf.getBackend(),
      steps,
      bareStepMs: +bareMs.toFixed(2),
      cwStepMs: +cwMs.toFixed(2),
      overhead: +(cwMs / bareMs).toFixed(2),
      leaked: tf.memory().numTensors - before,
    }),
  );
}
main();
