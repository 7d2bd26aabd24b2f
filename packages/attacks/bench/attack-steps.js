// Steps per second of the iterative attacks on a demo4-sized network (conv16 → avgpool → conv32 →
// avgpool → dense64 → dense10 on 28×28×1, random weights; the same stand-in as bench/cw-step.js) for
// 10 images, on the backend given (default cpu). Not a test: numbers depend on the machine and its load.
// Usage (after `pnpm build`): node bench/attack-steps.js [backend=cpu] [steps=10]
require('@tensorflow/tfjs-backend-cpu');
const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const A = require('../dist');

async function main() {
  await tf.setBackend(process.argv[2] || 'cpu');
  const steps = Number(process.argv[3] || 10);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({
        units: 64,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
      tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  const x = tf.randomUniform([10, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = Array.from(tf.argMax(model.predict(x), 1).dataSync());
  const f = (t) => model.apply(t, { training: false });
  const targets = labels.map((y) => (y + 1) % 10);
  const cases = [
    ['L1FastGradientAttack', () => new A.L1FastGradientAttack({ steps }), { epsilons: [10] }],
    ['L2BasicIterativeAttack', () => new A.L2BasicIterativeAttack({ steps }), { epsilons: [1] }],
    ['L1ProjectedGradientDescentAttack', () => new A.L1PGD({ steps }), { epsilons: [10] }],
    ['LinfAdamProjectedGradientDescentAttack', () => new A.AdamPGD({ steps }), { epsilons: [0.03] }],
    ['LinfMomentumIterativeFastGradientMethod', () => new A.MIFGSM({ steps }), { epsilons: [0.03] }],
    ['SparseL1DescentAttack', () => new A.SparseL1DescentAttack({ steps }), { epsilons: [10] }],
    ['VirtualAdversarialAttack', () => new A.VirtualAdversarialAttack({ steps, xi: 1e-3 }), { epsilons: [1] }],
    ['L0FMNAttack', () => new A.L0FMNAttack({ steps }), {}],
    ['L1FMNAttack', () => new A.L1FMNAttack({ steps }), {}],
    ['LInfFMNAttack', () => new A.LInfFMNAttack({ steps }), {}],
    ['EADAttack', () => new A.EADAttack({ binarySearchSteps: 1, steps, abortEarly: false }), {}],
    ['NewtonFoolAttack', () => new A.NewtonFoolAttack({ steps }), {}],
    ['L2BrendelBethgeAttack', () => new A.L2BrendelBethgeAttack({ steps, initAttack: new A.L2DeepFoolAttack() }), {}],
    ['L1BrendelBethgeAttack', () => new A.L1BrendelBethgeAttack({ steps, initAttack: new A.L2DeepFoolAttack() }), {}],
    [
      'LinfinityBrendelBethgeAttack',
      () => new A.LinfinityBrendelBethgeAttack({ steps, initAttack: new A.L2DeepFoolAttack() }),
      {},
    ],
    ['L0BrendelBethgeAttack', () => new A.L0BrendelBethgeAttack({ steps, initAttack: new A.L2DeepFoolAttack() }), {}],
    ['BoundaryAttack', () => new A.BoundaryAttack({ steps, initAttack: new A.L2DeepFoolAttack() }), {}],
    ['GenAttack', () => new A.GenAttack({ steps }), { epsilons: [0.001], criterion: { targets } }],
    ['SaltAndPepperNoiseAttack', () => new A.SaltAndPepperNoiseAttack({ steps }), {}],
  ];
  const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
  const baseTensors = tf.memory().numTensors;
  const rows = [];
  for (const [name, make, opts] of cases) {
    if (only && !only.test(name)) continue;
    let t0 = 0;
    let first = -1;
    let last = 0;
    // Time only the attack's own steps, from its first progress report to its last (an init attack's
    // reports, with another step count, are skipped).
    const r = await make().run(f, x, labels, {
      ...opts,
      seed: 0,
      onProgress: (e) => {
        if (e.totalSteps !== steps) return;
        if (first < 0) {
          first = e.step;
          t0 = performance.now();
        }
        last = e.step;
      },
    });
    const ms = performance.now() - t0;
    (Array.isArray(r) ? r : [r]).forEach((q) => tf.dispose([q.raw, q.clipped, q.success]));
    const n = Math.max(1, last - first);
    rows.push({ attack: name, steps: n, stepsPerSecond: +((1000 * n) / ms).toFixed(2) });
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
  console.log(JSON.stringify({ backend: tf.getBackend(), images: 10, leaked: tf.memory().numTensors - baseTensors }));
}
main();
