#!/usr/bin/env node
// Times one training step and one epoch of the demo4-shaped network on a tfjs
// backend (default: 'tensorflow', i.e. the binding built by tools/native/setup.sh).
// A measurement tool, not a test; it never asserts on time.
//
// Network (the 2021 Demo 4, 28×28×1 → 10): conv 3×3×16 same → GroupSort2 →
// ScaledL2NormPool 2×2 → conv 3×3×32 same → GroupSort2 → ScaledL2NormPool 2×2
// → flatten → dense 64 → GroupSort2 → dense 10 (no bias); loss
// MulticlassHKR(alpha=100, min_margin=0.5) in deel-lip 1.5 semantics; Adam(1e-4).
// `--mode lipschitz` (default) reparametrises the three spectral kernels every
// step like deel-lip 1.5's SpectralConv2D/SpectralDense: power iteration on a
// persistent u outside the gradient (`--power` iterations, default 3), σ = ‖u·Wᵀ‖,
// then `--bjorck` Björck iterations (default 15, β = 0.5) under the gradient; the
// last kernel is normalised per output column (FrobeniusDense, disjoint neurons).
// deel-lip stops both loops early on eps = 1e-3, so fixed counts are an upper
// bound on that work. `--mode plain` is the same shapes with relu, average
// pooling and raw kernels (the network of shared/reference/backend-notes.md).
// The conv kernels are then scaled by deel-lip's zero-padding correction
// (_compute_conv_lip_factor, stride 1): 28/82 for conv 1 (28×28), 14/40 for conv 2.
//
// Usage: node tools/native/bench-step.cjs [--backend tensorflow|cpu] [--mode lipschitz|plain]
//          [--batch 4096] [--steps 5] [--warmup 2] [--epoch] [--data fashion|random] [--json out.json]
// Environment: TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS are read by TensorFlow itself.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { createRequire } = require('module');

const argv = process.argv.slice(2);
function opt(name, def) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
}
const backendName = opt('backend', 'tensorflow');
const mode = opt('mode', 'lipschitz');
const batch = Number(opt('batch', '4096'));
const steps = Number(opt('steps', '5'));
const warmup = Number(opt('warmup', '2'));
const nPower = Number(opt('power', '3'));
const nBjorck = Number(opt('bjorck', '15'));
const dataKind = opt('data', 'fashion');
const jsonOut = opt('json', '');
const doEpoch = argv.includes('--epoch');

const root = path.resolve(__dirname, '..', '..');
const req = createRequire(path.join(root, 'packages', 'backend', 'package.json'));
let tf;
if (backendName === 'tensorflow') tf = req('@tensorflow/tfjs-node');
else if (backendName === 'tensorflow-gpu') tf = req('@tensorflow/tfjs-node-gpu');
else {
  tf = req('@tensorflow/tfjs-core');
  req('@tensorflow/tfjs-backend-cpu');
}

// ------------------------------------------------------------------ data
function readIdx(file) {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const ndim = buf[3];
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * ndim) };
}
function loadData() {
  const dir = '/usr/share/datasets/fashion-mnist';
  const img = path.join(dir, 'train-images-idx3-ubyte.gz');
  if (dataKind === 'fashion' && fs.existsSync(img)) {
    const x = readIdx(img);
    const y = readIdx(path.join(dir, 'train-labels-idx1-ubyte.gz'));
    const n = x.dims[0];
    const xs = new Float32Array(n * 784);
    for (let i = 0; i < xs.length; i++) xs[i] = x.data[i] / 255;
    return { n, xs, ys: Int32Array.from(y.data), source: 'fashion-mnist train (60000)' };
  }
  const n = 60000;
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const xs = new Float32Array(n * 784).map(() => rnd());
  const ys = Int32Array.from({ length: n }, () => Math.floor(rnd() * 10));
  return { n, xs, ys, source: 'random uniform (60000)' };
}

// ------------------------------------------------------------------ model
function orthogonal(shape, seed) {
  return tf.tidy(() => {
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const big = Math.max(rows, cols);
    const a = tf.randomNormal([big, Math.min(rows, cols)], 0, 1, 'float32', seed);
    const [q] = tf.linalg.qr(a);
    const m = rows >= cols ? q : q.transpose();
    return m.reshape(shape);
  });
}
const lip = mode === 'lipschitz';
const v = {
  k1: tf.variable(orthogonal([3, 3, 1, 16], 1), true, 'k1'),
  b1: tf.variable(tf.zeros([16]), true, 'b1'),
  k2: tf.variable(orthogonal([3, 3, 16, 32], 2), true, 'k2'),
  b2: tf.variable(tf.zeros([32]), true, 'b2'),
  k3: tf.variable(orthogonal([1568, 64], 3), true, 'k3'),
  b3: tf.variable(tf.zeros([64]), true, 'b3'),
  k4: tf.variable(orthogonal([64, 10], 4), true, 'k4'),
};
const us = {
  k1: tf.variable(tf.randomUniform([1, 16], 0, 1, 'float32', 5), false, 'u1'),
  k2: tf.variable(tf.randomUniform([1, 32], 0, 1, 'float32', 6), false, 'u2'),
  k3: tf.variable(tf.randomUniform([1, 64], 0, 1, 'float32', 7), false, 'u3'),
};
const l2n = (t) => t.div(tf.norm(t).add(1e-12));

/** Power iteration on W = reshape(kernel, [-1, out]) outside the gradient (deel-lip STOP_GRAD_SPECTRAL). */
function updateU() {
  tf.tidy(() => {
    for (const name of ['k1', 'k2', 'k3']) {
      const k = v[name];
      const w = k.reshape([-1, k.shape[k.shape.length - 1]]);
      let u = l2n(us[name]);
      for (let i = 0; i < nPower; i++) u = l2n(tf.matMul(tf.matMul(u, w, false, true), w));
      us[name].assign(u);
    }
  });
}
/** σ = ‖u·Wᵀ‖, W̄ = W/(σ+eps), then Björck w ← (1+β)w − β·w(wᵀw) (or (wwᵀ)w when rows ≤ cols). */
const convCoef = { k1: 28 / 82, k2: 14 / 40, k3: 1 };
function reparam(name) {
  const k = v[name];
  const out = k.shape[k.shape.length - 1];
  let w = k.reshape([-1, out]);
  const sigma = tf.norm(tf.matMul(us[name], w, false, true));
  w = w.div(sigma.add(1e-3));
  const beta = 0.5;
  const tall = w.shape[0] > w.shape[1];
  for (let i = 0; i < nBjorck; i++) {
    const p = tall ? tf.matMul(w, tf.matMul(w, w, true, false)) : tf.matMul(tf.matMul(w, w, false, true), w);
    w = w.mul(1 + beta).sub(p.mul(beta));
  }
  return convCoef[name] === 1 ? w.reshape(k.shape) : w.mul(convCoef[name]).reshape(k.shape);
}
function groupSort2(x) {
  const shape = x.shape;
  const c = shape[shape.length - 1];
  const pairs = x.reshape([-1, c / 2, 2]);
  const [a, b] = tf.split(pairs, 2, 2);
  return tf.concat([tf.minimum(a, b), tf.maximum(a, b)], 2).reshape(shape);
}
const act = (x) => (lip ? groupSort2(x) : tf.relu(x));
const pool = (x) =>
  lip ? tf.sqrt(tf.avgPool(x.square(), 2, 2, 'valid').add(1e-6)).mul(2) : tf.avgPool(x, 2, 2, 'valid');
function forward(x) {
  const k1 = lip ? reparam('k1') : v.k1;
  const k2 = lip ? reparam('k2') : v.k2;
  const k3 = lip ? reparam('k3') : v.k3;
  const k4 = lip ? v.k4.div(tf.norm(v.k4, 'euclidean', 0, true).add(1e-7)) : v.k4;
  let h = pool(act(tf.conv2d(x, k1, 1, 'same').add(v.b1)));
  h = pool(act(tf.conv2d(h, k2, 1, 'same').add(v.b2)));
  h = act(tf.matMul(h.reshape([-1, 1568]), k3).add(v.b3));
  return tf.matMul(h, k4);
}
/** deel-lip 1.5 MulticlassHKR(alpha, m): mean_i[ −MKR_i + α·mean_c w_c·relu(m/2 − s_c·ŷ_c) ], w = C−1 on the true class. */
function hkr(yOneHot, yPred, alpha = 100, margin = 0.5) {
  const n = yOneHot.shape[0];
  const C = yOneHot.shape[1];
  const pos = yOneHot;
  const neg = tf.onesLike(pos).sub(pos);
  const nc = pos.sum(0, true);
  const kr = yPred
    .mul(pos.div(nc.add(1e-7)).sub(neg.div(tf.scalar(n).sub(nc).add(1e-7))))
    .mul(n)
    .mean(1);
  const s = pos.mul(2).sub(1);
  const w = pos.mul(C - 2).add(1);
  const hinge = tf
    .relu(tf.scalar(margin / 2).sub(s.mul(yPred)))
    .mul(w)
    .mean(1);
  return kr.neg().add(hinge.mul(alpha)).mean();
}

// ------------------------------------------------------------------ timing
const optimizer = tf.train.adam(1e-4);
const trainable = Object.values(v);
function trainStep(xs, ys) {
  if (lip) updateU();
  const loss = optimizer.minimize(() => tf.tidy(() => hkr(ys, forward(xs))), true, trainable);
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}
function batchTensors(data, start, size) {
  return tf.tidy(() => {
    const x = tf.tensor4d(data.xs.subarray(start * 784, (start + size) * 784), [size, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(data.ys.subarray(start, start + size), 'int32'), 10).toFloat();
    return [x, y];
  });
}

(async () => {
  if (backendName === 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  const data = loadData();
  const info = {
    backend: tf.getBackend(),
    mode,
    batch,
    power: lip ? nPower : 0,
    bjorck: lip ? nBjorck : 0,
    data: data.source,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] && os.cpus()[0].model,
    tfVersion: tf.getBackend() === 'tensorflow' ? tf.backend().binding.TF_Version : null,
    intraOpThreadsEnv: process.env.TF_NUM_INTRAOP_THREADS || null,
    interOpThreadsEnv: process.env.TF_NUM_INTEROP_THREADS || null,
    node: process.version,
    loadAverageStart: os.loadavg(),
  };
  console.error(`bench-step: ${JSON.stringify(info)}`);
  const [x, y] = batchTensors(data, 0, batch);
  const times = [];
  const cpuTimes = [];
  const losses = [];
  const numTensors = [];
  let peakRss = process.memoryUsage().rss;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const l = trainStep(x, y);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const c1 = process.cpuUsage(c0);
    const dc = (c1.user + c1.system) / 1e6;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    numTensors.push(tf.memory().numTensors);
    losses.push(l);
    if (i >= warmup) {
      times.push(dt);
      cpuTimes.push(dc);
    }
    console.error(
      `  step ${i + 1}${i < warmup ? ' (warm-up)' : ''}: ${dt.toFixed(3)} s (cpu ${dc.toFixed(3)} s), loss ${l.toFixed(4)}, tensors ${tf.memory().numTensors}`,
    );
  }
  x.dispose();
  y.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const result = {
    ...info,
    warmup,
    steps,
    stepSeconds: { median, min: sorted[0], max: sorted[sorted.length - 1], all: times },
    cpuSecondsPerStep: { median: [...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)], all: cpuTimes },
    cpuNote: 'user+system CPU seconds of all threads of this process; robust to other load on the machine',
    imagesPerSecond: batch / median,
    epochSecondsFromStep: (data.n / batch) * median,
    losses,
    numTensorsAfterEachStep: numTensors,
  };
  if (doEpoch) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let nSteps = 0;
    for (let start = 0; start < data.n; start += batch) {
      const size = Math.min(batch, data.n - start);
      const [xb, yb] = batchTensors(data, start, size);
      trainStep(xb, yb);
      xb.dispose();
      yb.dispose();
      nSteps++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    result.epochSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    result.epochSteps = nSteps;
    const c1 = process.cpuUsage(c0);
    result.epochCpuSeconds = (c1.user + c1.system) / 1e6;
    console.error(`  epoch (${nSteps} steps, ${data.n} images): ${result.epochSeconds.toFixed(2)} s`);
  }
  result.peakRssMiB = Math.round(peakRss / 2 ** 20);
  try {
    result.processThreads = fs.readdirSync('/proc/self/task').length;
  } catch {
    result.processThreads = null;
  }
  result.numTensorsEnd = tf.memory().numTensors;
  result.loadAverageEnd = os.loadavg();
  const text = JSON.stringify(result, null, 2);
  if (jsonOut) fs.writeFileSync(jsonOut, `${text}\n`);
  process.stdout.write(`${text}\n`);
})().catch((e) => {
  console.error(`bench-step: FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
