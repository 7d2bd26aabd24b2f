#!/usr/bin/env node
// Times lipnet's Winograd F(2×2, 3×3) convolution ops (tools/native/ops/winograd_ops.cc) against
// TensorFlow's own Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter (oneDNN) on tfjs-node's
// 'tensorflow' backend: 3×3 kernel, stride 1, 'SAME', NHWC float32. Each repetition runs the
// TensorFlow op then lipnet's, back to back in one process (interleaved, so that load from other
// processes hits both alike); the table gives medians and GFLOP/s counted as direct-convolution FLOPs
// (2·N·H·W·K·9·C), the same count for both. Eager TensorFlow ops on the CPU run synchronously: the
// time of the call is the time of the op (no read-back of the output is timed).
// A measurement tool, not a test; it never asserts on time. Needs `pnpm build` and
// `pnpm native:setup` (the ops addon).
//
// Usage: node tools/native/bench-winograd.cjs [--batch 4096] [--reps 9] [--warmup 2]
// Shapes: [N,14,14,16] → 32 (demo4's second convolution) and [N,28,28,16] → 16.
'use strict';
const path = require('path');
const { numericOption: opt, requireFrom, root } = require('./bench-options.cjs');
const batch = opt('batch', 4096);
const reps = opt('reps', 9);
const warmup = opt('warmup', 2);

const req = requireFrom('packages/backend');
const tf = req('@tensorflow/tfjs-core');
const lipnet = req(path.join(root, 'packages', 'backend'));

/** Wall time of one call of fn (ms); its tensors disposed. */
function once(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  const dt = Number(process.hrtime.bigint() - t0) / 1e6;
  tf.dispose(out);
  return dt;
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

/** The three passes of one shape, each as [TensorFlow's op, lipnet's op]. */
function passes(n, h, w, c, k) {
  const x = tf.randomNormal([n, h, w, c]);
  const wt = tf.randomNormal([3, 3, c, k], 0, 0.1);
  const dy = tf.randomNormal([n, h, w, k]);
  const conv = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const run = (name, inputs, attrs) => () => tf.engine().runKernel(name, inputs, attrs);
  return {
    tensors: [x, wt, dy],
    rows: [
      ['Conv2D', run('Conv2D', { x, filter: wt }, conv), () => lipnet.winogradConv2d(x, wt)],
      [
        'Conv2DBackpropInput',
        run('Conv2DBackpropInput', { dy, filter: wt }, { ...conv, inputShape: [n, h, w, c] }),
        () => lipnet.winogradConv2dBackpropInput(wt, dy),
      ],
      [
        'Conv2DBackpropFilter',
        run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: [3, 3, c, k] }),
        () => lipnet.winogradConv2dBackpropFilter(x, dy),
      ],
    ],
  };
}

async function main() {
  await lipnet.selectBackend({ prefer: 'tensorflow', log: null });
  const dir = path.dirname(req.resolve('@tensorflow/tfjs-node/package.json'));
  const status = lipnet.registerNativeFusedOps(dir);
  if (!status.registered) throw new Error(`lipnet's fused ops are unavailable: ${status.reason}`);
  console.log(`3×3 stride 1 'SAME' NHWC float32; median of ${reps} interleaved runs (after ${warmup} warm-up)`);
  console.log(
    `${'shape'.padEnd(24)} ${'pass'.padEnd(21)} ${'TF ms'.padStart(7)} ${'GF/s'.padStart(5)}  ${'Wino ms'.padStart(7)} ${'GF/s'.padStart(5)}  speed-up`,
  );
  for (const [h, w, c, k] of [
    [14, 14, 16, 32],
    [28, 28, 16, 16],
  ]) {
    const { tensors, rows } = passes(batch, h, w, c, k);
    const gflop = (2 * batch * h * w * k * 9 * c) / 1e9;
    for (const [name, stock, wino] of rows) {
      const a = [];
      const b = [];
      for (let i = 0; i < warmup + reps; i++) {
        const ta = once(stock);
        const tb = once(wino);
        if (i >= warmup) (a.push(ta), b.push(tb));
      }
      const ma = median(a);
      const mb = median(b);
      const shape = `[${batch},${h},${w},${c}]→${k}`;
      console.log(
        `${shape.padEnd(24)} ${name.padEnd(21)} ${ma.toFixed(1).padStart(7)} ${((gflop / ma) * 1e3).toFixed(0).padStart(5)}  ` +
          `${mb.toFixed(1).padStart(7)} ${((gflop / mb) * 1e3).toFixed(0).padStart(5)}  ${(ma / mb).toFixed(2)}×`,
      );
    }
    tf.dispose(tensors);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
