#!/usr/bin/env node
// Smoke test of lipnet's fused TensorFlow ops (tools/native/ops/*.cc,
// built by setup.sh into lipnet_ops.node beside tfjs_binding.node). Loads
// @tensorflow/tfjs-node and the ops addon, then compares every op with the
// composition of stock TensorFlow ops it replaces, on the same backend:
//   pair sorts and their gradients: exactly (they are permutations);
//   L2 pooling, bias + sort + pooling and their gradients: |a − b| ≤ 1e-5 · max|b| (window sums may round differently);
// on odd sizes (windows cropped), ties, and a bias; Björck (both of
// deel-lip's rules) against the same loop of stock ops and its tf.grad, to
// 1e-5; the Winograd convolutions against TensorFlow's Conv2D and its two gradients, to 1e-5; and
// checks that a bad shape is refused with TensorFlow's
// InvalidArgument, not a crash.
// Exit 0 on success, 1 with what differed. Usage: node tools/native/smoke-ops.cjs [--variant cpu|gpu]
'use strict';
const path = require('path');
const fs = require('fs');
const { pkgName, req } = require('./native-package.cjs');

const out = (msg) => process.stdout.write(`native:smoke-ops: ${msg}\n`);

const tf = req(pkgName);
const pkgDir = path.dirname(req.resolve(`${pkgName}/package.json`));
const lib = path.join(pkgDir, 'lib');
const file = fs.existsSync(lib)
  ? fs
      .readdirSync(lib)
      .map((d) => path.join(lib, d, 'lipnet_ops.node'))
      .find((f) => fs.existsSync(f))
  : undefined;
if (!file) {
  out(`FAILED: no lipnet_ops.node under ${lib}`);
  process.exit(1);
}
let ops;
try {
  ops = require(file);
} catch (e) {
  out(`FAILED to load ${file}: ${String(e && e.message).split('\n')[0]}`);
  process.exit(1);
}
const be = tf.backend();
const I = be.binding.TF_ATTR_INT;
const F = be.binding.TF_ATTR_FLOAT;
const poolAttrs = (ph, pw, scale, eps) => [
  { name: 'ph', type: I, value: ph },
  { name: 'pw', type: I, value: pw },
  { name: 'scale', type: F, value: scale },
  ...(eps === undefined ? [] : [{ name: 'eps', type: F, value: eps }]),
];

const failures = [];
function compare(label, got, want, tol) {
  const a = got.dataSync();
  const b = want.dataSync();
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  const shapeOk = JSON.stringify(got.shape) === JSON.stringify(want.shape);
  if (!shapeOk || !(diff <= tol * scale))
    failures.push(
      `${label}: shape ${JSON.stringify(got.shape)} vs ${JSON.stringify(want.shape)}, max diff ${diff.toExponential(2)} (scale ${scale.toExponential(2)}, tol ${tol})`,
    );
}

/** Stock-op composition: GroupSort(2) on the last axis and its permutation applied to g. */
function pairPermute(order, g) {
  const shape = order.shape;
  const o = tf.reshape(order, [-1, 2]);
  const v = tf.reshape(g, [-1, 2]);
  const [a, b] = tf.split(o, 2, 1);
  const s = tf.greater(tf.sub(a, b), 0);
  const [g0, g1] = tf.split(v, 2, 1);
  return tf.reshape(tf.concat([tf.where(s, g1, g0), tf.where(s, g0, g1)], 1), shape);
}

tf.tidy(() => {
  // Ties and signed zeros in a quarter of the pairs.
  const base = tf.randomNormal([6, 5, 7, 8], 0, 1, 'float32', 1);
  const x = tf.where(tf.less(tf.randomUniform(base.shape, 0, 1, 'float32', 2), 0.25), tf.round(base), base);
  const dy = tf.randomNormal(x.shape, 0, 1, 'float32', 3);
  const b = tf.randomNormal([8], 0, 1, 'float32', 4);
  compare('LipnetPairSort', be.executeSingleOutput('LipnetPairSort', [], [x]), pairPermute(x, x), 0);
  compare('LipnetPairSortGrad', be.executeSingleOutput('LipnetPairSortGrad', [], [x, dy]), pairPermute(x, dy), 0);
  const zb = tf.add(x, b);
  compare('LipnetBiasPairSort', be.executeSingleOutput('LipnetBiasPairSort', [], [x, b]), pairPermute(zb, zb), 0);
  const [dz, db] = be.executeMultipleOutputs('LipnetBiasPairSortGrad', [], [x, b, dy], 2);
  const dzRef = pairPermute(zb, dy);
  compare('LipnetBiasPairSortGrad dz', dz, dzRef, 0);
  compare('LipnetBiasPairSortGrad db', db, tf.sum(dzRef, [0, 1, 2]), 1e-5);

  // Pooling on 5×7 (the last row and column are cropped), 2×2 and 3×2 windows.
  for (const [ph, pw] of [
    [2, 2],
    [3, 2],
  ]) {
    const scale = 1.7;
    const eps = 1e-6;
    const p = tf.tensor4d(x.dataSync(), x.shape);
    const area = (v) => tf.avgPool(v, [ph, pw], [ph, pw], 'valid');
    const r = tf.sqrt(area(tf.square(p)));
    compare(
      `LipnetL2Pool ${ph}×${pw}`,
      be.executeSingleOutput('LipnetL2Pool', poolAttrs(ph, pw, scale), [p]),
      tf.mul(r, scale),
      1e-5,
    );
    const dyp = tf.randomNormal(r.shape, 0, 1, 'float32', 5);
    const dMeanSq = tf.div(tf.mul(dyp, scale), tf.mul(2, tf.add(r, eps)));
    const dSq = tf.grad((v) => tf.sum(tf.mul(area(v), dMeanSq)))(tf.square(p));
    compare(
      `LipnetL2PoolGrad ${ph}×${pw}`,
      be.executeSingleOutput('LipnetL2PoolGrad', poolAttrs(ph, pw, scale, eps), [p, dyp]),
      tf.mul(dSq, tf.mul(p, 2)),
      1e-5,
    );
    // Bias + GroupSort(2) + pooling from z and b: the pooling of the sorted tensor, its gradient permuted back.
    const sorted = pairPermute(zb, zb);
    const rs = tf.sqrt(area(tf.square(sorted)));
    compare(
      `LipnetBiasPairSortL2Pool ${ph}×${pw}`,
      be.executeSingleOutput('LipnetBiasPairSortL2Pool', poolAttrs(ph, pw, scale), [x, b]),
      tf.mul(rs, scale),
      1e-5,
    );
    const dMeanSqS = tf.div(tf.mul(dyp, scale), tf.mul(2, tf.add(rs, eps)));
    const dSqS = tf.grad((v) => tf.sum(tf.mul(area(v), dMeanSqS)))(tf.square(sorted));
    const dzPool = pairPermute(zb, tf.mul(dSqS, tf.mul(sorted, 2)));
    const [dzF, dbF] = be.executeMultipleOutputs(
      'LipnetBiasPairSortL2PoolGrad',
      poolAttrs(ph, pw, scale, eps),
      [x, b, dyp],
      2,
    );
    compare(`LipnetBiasPairSortL2PoolGrad ${ph}×${pw} dz`, dzF, dzPool, 1e-5);
    compare(`LipnetBiasPairSortL2PoolGrad ${ph}×${pw} db`, dbF, tf.sum(dzPool, [0, 1, 2]), 1e-5);
  }
});

// Björck: the same loop of stock ops (deel-lip 1.2.0: fixed 15 iterations at
// β = 0.25; 1.5: eps stopping at β = 0.5), forward and through tf.grad, on a
// tall, a wide and a square matrix of spectral norm < 1.
tf.tidy(() => {
  const step = (w, beta) => {
    const wwtw =
      w.shape[0] > w.shape[1] ? tf.matMul(w, tf.matMul(w, w, true, false)) : tf.matMul(tf.matMul(w, w, false, true), w);
    return tf.sub(tf.mul(1 + beta, w), tf.mul(beta, wwtw));
  };
  const stockLoop = (w, beta, iters) => {
    let cur = w;
    for (let i = 0; i < iters; i++) cur = step(cur, beta);
    return cur;
  };
  const bjorckAttrs = (beta, maxIter, eps) => [
    { name: 'beta', type: F, value: beta },
    { name: 'maxIter', type: I, value: maxIter },
    { name: 'eps', type: F, value: eps },
  ];
  [
    [40, 8],
    [6, 10],
    [9, 9],
  ].forEach(([m, n], j) => {
    const raw = tf.randomNormal([m, n], 0, 1, 'float32', 10 + j);
    const w = tf.div(raw, tf.norm(raw)); // ‖W‖₂ ≤ ‖W‖_F = 1
    const dy = tf.randomNormal([m, n], 0, 1, 'float32', 20 + j);
    for (const [beta, maxIter, eps] of [
      [0.25, 15, 0],
      [0.5, 15, 1e-3],
    ]) {
      const [y, its] = be.executeMultipleOutputs('LipnetBjorck', bjorckAttrs(beta, maxIter, eps), [w], 2);
      const k = its.shape[0];
      if (eps === 0 && k !== maxIter) failures.push(`LipnetBjorck ${m}×${n}: ${k} iterations, expected ${maxIter}`);
      if (eps > 0 && !(k >= 1 && k <= maxIter)) failures.push(`LipnetBjorck ${m}×${n} eps: ${k} iterations`);
      const label = `LipnetBjorck ${m}×${n} β=${beta} (${k} iterations)`;
      compare(label, y, stockLoop(w, beta, k), 1e-5);
      compare(
        `${label} iterate ${k - 1}`,
        tf.slice(its, [k - 1, 0, 0], [1, m, n]).reshape([m, n]),
        stockLoop(w, beta, k - 1),
        1e-5,
      );
      const dw = be.executeSingleOutput('LipnetBjorckGrad', [{ name: 'beta', type: F, value: beta }], [its, dy]);
      compare(`${label} gradient`, dw, tf.grad((v) => tf.sum(tf.mul(stockLoop(v, beta, k), dy)))(w), 1e-5);
    }
  });
});

// LipnetSpectralBjorck: power iteration, σ, W/(σ+ε), Björck and × coef against stock ops, forward and
// through tf.grad (u held constant), with tolerances tight enough that every iteration runs.
tf.tidy(() => {
  const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x)), 1e-12)));
  const [m, n, eps, coef] = [30, 6, 1e-3, 0.4];
  const attrs = [
    { name: 'epsSpectral', type: F, value: eps },
    { name: 'maxIterSpectral', type: I, value: 3 },
    { name: 'beta', type: F, value: 0.5 },
    { name: 'maxIterBjorck', type: I, value: 6 },
    { name: 'epsBjorck', type: F, value: 1e-9 },
    { name: 'coef', type: F, value: coef },
  ];
  const w = tf.randomNormal([m, n], 0, 0.7, 'float32', 31);
  const u = tf.randomUniform([1, n], 0, 1, 'float32', 32);
  const dy = tf.randomNormal([m, n], 0, 1, 'float32', 33);
  let uStar = l2n(u);
  for (let i = 0; i < 3; i++) uStar = l2n(tf.matMul(tf.matMul(uStar, w, false, true), w));
  const stock = (v) => {
    const sigma = tf.norm(tf.matMul(uStar, v, false, true));
    let cur = tf.div(v, tf.add(sigma, eps));
    for (let i = 0; i < 6; i++) {
      const wwtw = tf.matMul(cur, tf.matMul(cur, cur, true, false));
      cur = tf.sub(tf.mul(1.5, cur), tf.mul(0.5, wwtw));
    }
    return tf.mul(cur, coef);
  };
  const [y, u1, sigma, its] = be.executeMultipleOutputs('LipnetSpectralBjorck', attrs, [w, u], 4);
  if (its.shape[0] !== 6) failures.push(`LipnetSpectralBjorck: ${its.shape[0]} Björck iterations, expected 6`);
  compare('LipnetSpectralBjorck u', u1, uStar, 1e-5);
  compare('LipnetSpectralBjorck σ', sigma, tf.reshape(tf.norm(tf.matMul(uStar, w, false, true)), [1, 1]), 1e-5);
  compare('LipnetSpectralBjorck', y, stock(w), 1e-5);
  const gradAttrs = [attrs[0], attrs[2], attrs[5]];
  const dw = be.executeSingleOutput('LipnetSpectralBjorckGrad', gradAttrs, [w, u1, sigma, its, dy]);
  compare('LipnetSpectralBjorck gradient', dw, tf.grad((v) => tf.sum(tf.mul(stock(v), dy)))(w), 1e-5);
});

// The Winograd convolutions against TensorFlow's Conv2D and its gradients, on odd sizes (partial tiles).
tf.tidy(() => {
  const [n, h, w, c, k] = [3, 7, 9, 16, 24];
  const x = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 41);
  const f = tf.randomNormal([3, 3, c, k], 0, 0.3, 'float32', 42);
  const dy = tf.randomNormal([n, h, w, k], 0, 1, 'float32', 43);
  const conv = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const run = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
  compare(
    'LipnetWinogradConv2D',
    be.executeSingleOutput('LipnetWinogradConv2D', [], [x, f]),
    run('Conv2D', { x, filter: f }, conv),
    1e-5,
  );
  compare(
    'LipnetWinogradConv2DBackpropInput',
    be.executeSingleOutput('LipnetWinogradConv2DBackpropInput', [], [f, dy]),
    run('Conv2DBackpropInput', { dy, filter: f }, { ...conv, inputShape: x.shape }),
    1e-5,
  );
  compare(
    'LipnetWinogradConv2DBackpropFilter',
    be.executeSingleOutput('LipnetWinogradConv2DBackpropFilter', [], [x, dy]),
    run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: f.shape }),
    1e-5,
  );
});

// A bad shape must come back as a TensorFlow error, not a crash.
try {
  be.executeSingleOutput('LipnetPairSort', [], [tf.ones([3, 5])]);
  failures.push('LipnetPairSort accepted an odd last axis');
} catch (e) {
  if (!/Invalid|TF_Status|even/.test(String(e && e.message)))
    failures.push(`LipnetPairSort odd axis: unexpected error ${String(e && e.message).split('\n')[0]}`);
}

if (failures.length) {
  out(`FAILED: lipnet's fused ops differ from the stock compositions:`);
  failures.forEach((f) => out(`  ${f}`));
  process.exit(1);
}
out(
  `OK: ${ops.ops.length} fused ops (built against TensorFlow ${ops.tensorflowVersion}) match the stock compositions; a bad shape is refused`,
);
