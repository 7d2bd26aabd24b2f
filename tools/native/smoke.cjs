#!/usr/bin/env node
// Smoke test of the natively built tfjs-node binding (tools/native/setup.sh).
// Loads @tensorflow/tfjs-node (or -gpu) the way lipnet's backend package
// resolves it, checks that the active backend is 'tensorflow', then runs two
// SGD steps of a small conv net (conv 3×3 → relu → avgpool → conv 3×3 → relu →
// dense → softmax cross-entropy) from identical weights and data on the
// 'tensorflow' and 'cpu' backends and compares, per tensor, the loss, the
// gradients of each step and the final weights: |a − b| ≤ 1e-4 · max(1, max|b|).
// Exit 0 on success; on failure prints what differed (or what failed to load).
// Usage: node tools/native/smoke.cjs [--variant cpu|gpu] [--json]
// (LIPNET_NATIVE_SMOKE_PERTURB=<x> perturbs the tensorflow side: a negative control.)
'use strict';
const { args, pkgName, req } = require('./native-package.cjs');

const TOL = 1e-4;

function out(msg) {
  process.stdout.write(`native:smoke: ${msg}\n`);
}

let tf;
try {
  tf = req(pkgName);
} catch (e) {
  const m = String(e && e.message);
  const sym = /undefined symbol: (\S+)/.exec(m);
  out(
    `FAILED to load ${pkgName}: ${sym ? `undefined symbol ${sym[1]} (the TensorFlow library lacks it: C API mismatch)` : m.split('\n')[0]}`,
  );
  process.exit(1);
}
if (tf.getBackend() !== 'tensorflow') {
  out(`FAILED: ${pkgName} loaded but tf.getBackend() is '${tf.getBackend()}', expected 'tensorflow'`);
  process.exit(1);
}
const binding = tf.backend().binding;
const tfVersion = binding.TF_Version;
const gpu = Boolean(binding.isUsingGpuDevice && binding.isUsingGpuDevice());
out(`${pkgName} loaded: backend 'tensorflow', TensorFlow ${tfVersion}, GPU device: ${gpu ? 'yes' : 'no'}`);

/** mulberry32: a small deterministic PRNG, so both backends see the same numbers. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BATCH = 16;
function buildModel() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'valid', activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/** Two SGD steps on `backend`; returns plain arrays (losses, grads per step, final weights). */
async function run(backend) {
  await tf.setBackend(backend);
  await tf.ready();
  const rnd = prng(12345);
  const model = buildModel();
  const init = model.getWeights().map((w) => {
    const vals = new Float32Array(w.size).map(() => (rnd() - 0.5) * 0.8);
    // Negative control: LIPNET_NATIVE_SMOKE_PERTURB=1e-3 shifts one initial weight on the
    // tensorflow side only, to show that the comparison does fail when results differ.
    if (backend === 'tensorflow' && process.env.LIPNET_NATIVE_SMOKE_PERTURB)
      vals[0] += Number(process.env.LIPNET_NATIVE_SMOKE_PERTURB);
    return tf.tensor(vals, w.shape);
  });
  model.setWeights(init);
  init.forEach((t) => t.dispose());
  const x = tf.tensor4d(
    new Float32Array(BATCH * 64).map(() => rnd()),
    [BATCH, 8, 8, 1],
  );
  const labels = Array.from({ length: BATCH }, () => Math.floor(rnd() * 10));
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
  const opt = tf.train.sgd(0.1);
  const result = { losses: [], grads: [], weights: [] };
  for (let step = 0; step < 2; step++) {
    const { value, grads } = tf.variableGrads(() =>
      tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })),
    );
    result.losses.push(value.dataSync()[0]);
    // Model order (not name order: the second model's layers get other numbers).
    const names = model.trainableWeights.map((w) => w.name);
    result.grads.push(names.map((n) => ({ name: n, data: Array.from(grads[n].dataSync()) })));
    opt.applyGradients(grads);
    value.dispose();
    names.forEach((n) => grads[n].dispose());
  }
  result.weights = model.getWeights().map((w, i) => ({ name: `weight${i}`, data: Array.from(w.dataSync()) }));
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  return result;
}

function compare(label, a, b, failures) {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  if (a.length !== b.length || !(diff <= TOL * Math.max(1, scale))) {
    failures.push(
      `${label}: max |tensorflow − cpu| = ${diff.toExponential(3)} (scale ${scale.toExponential(3)}, length ${a.length} vs ${b.length})`,
    );
  }
  return diff;
}

tf.env().set('PROD', true); // silences the cpu backend's 'install the node backend' banner (IS_TEST would turn on leak checks)
(async () => {
  const native = await run('tensorflow');
  const ref = await run('cpu');
  const failures = [];
  let worst = 0;
  for (let s = 0; s < 2; s++) {
    worst = Math.max(worst, compare(`loss step ${s + 1}`, [native.losses[s]], [ref.losses[s]], failures));
    native.grads[s].forEach((g, i) => {
      worst = Math.max(worst, compare(`grad step ${s + 1} ${g.name}`, g.data, ref.grads[s][i].data, failures));
    });
  }
  native.weights.forEach((w, i) => {
    worst = Math.max(worst, compare(`final ${w.name}`, w.data, ref.weights[i].data, failures));
  });
  const summary = {
    package: pkgName,
    tfVersion,
    gpu,
    losses: { tensorflow: native.losses, cpu: ref.losses },
    maxAbsDiff: worst,
    tolerance: TOL,
    ok: failures.length === 0,
  };
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (failures.length) {
    out(`FAILED: tensorflow and cpu backends disagree beyond ${TOL}:`);
    failures.forEach((f) => out(`  ${f}`));
    process.exit(1);
  }
  out(
    `OK: two training steps match the cpu backend (losses ${native.losses.map((l) => l.toFixed(6)).join(', ')}; max abs diff ${worst.toExponential(2)} ≤ ${TOL})`,
  );
  process.exit(0);
})().catch((e) => {
  out(`FAILED during the training comparison: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
