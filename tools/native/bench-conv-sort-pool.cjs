#!/usr/bin/env node
// Times lipnet's fused first-layer ops (LipnetConvBiasPairSortL2Pool and its
// gradient, tools/native/ops/conv_sort_pool_ops.cc) against the composition
// they replace, on tfjs-node's 'tensorflow' backend at demo4's first layer:
// x [N,28,28,1], w [3,3,1,16] 'SAME', b [16], 2×2 pool.
//   forward:     Conv2D → LipnetBiasPairSortL2Pool          vs LipnetConvBiasPairSortL2Pool
//   backward:    LipnetBiasPairSortL2PoolGrad (z saved by the forward)
//                → Conv2DBackpropFilter                     vs LipnetConvBiasPairSortL2PoolGrad (recomputes z)
// A measurement tool, not a test; it never asserts on time. Needs `pnpm build`
// and `pnpm native:setup` (the ops addon).
//
// Usage: node tools/native/bench-conv-sort-pool.cjs [--batch 4096] [--reps 10] [--warmup 2]
// Environment: TF_NUM_INTRAOP_THREADS is read by TensorFlow itself.
'use strict';
const path = require('path');
const { numericOption: opt, requireFrom, root } = require('./bench-options.cjs');
const batch = opt('batch', 4096);
const reps = opt('reps', 10);
const warmup = opt('warmup', 2);

const req = requireFrom('packages/backend');
const tf = req('@tensorflow/tfjs-core');
const lipnet = req(path.join(root, 'packages', 'backend'));

/**
 * Median and min wall time of `reps` timed calls of fn (ms), after `warmup` untimed ones, and the
 * median CPU time (user + system of all threads: less sensitive to other processes on a shared
 * machine); fn's tensors are disposed.
 */
function time(fn) {
  const ms = [];
  const cpu = [];
  for (let i = 0; i < warmup + reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const out = fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(c0);
    tf.dispose(out);
    if (i >= warmup) {
      ms.push(dt);
      cpu.push((c.user + c.system) / 1e3);
    }
  }
  const median = (a) => a.sort((p, q) => p - q)[Math.floor(a.length / 2)];
  return { median: median(ms), min: Math.min(...ms), cpu: median(cpu) };
}

async function main() {
  await lipnet.selectBackend({ prefer: 'tensorflow', log: null });
  const dir = path.dirname(req.resolve('@tensorflow/tfjs-node/package.json'));
  const status = lipnet.registerNativeFusedOps(dir);
  if (!status.registered) throw new Error(`lipnet's fused ops are unavailable: ${status.reason}`);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const w = tf.randomNormal([3, 3, 1, 16], 0, 0.3);
  const b = tf.randomNormal([16], 0, 0.1);
  const dy = tf.randomNormal([batch, 14, 14, 16]);
  const pool = { poolSize: [2, 2], scale: 2, eps: 1e-6 };
  const config = { ...pool, padding: 'SAME' };
  const z = tf.conv2d(x, w, 1, 'same');
  const conv = time(() => tf.conv2d(x, w, 1, 'same'));
  const poolFwd = time(() => tf.engine().runKernel('LipnetBiasPairSortL2Pool', { z, b }, pool));
  const fusedFwd = time(() => lipnet.convBiasPairSortL2Pool(x, w, b, config));
  const [dz] = tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, pool);
  const poolGrad = time(() => tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, pool));
  const filter = time(() =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy: dz },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 16] },
      ),
  );
  const fusedGrad = time(() => {
    const r = lipnet.convBiasPairSortL2PoolGrad(x, w, b, dy, config);
    return [r.dw, r.db];
  });
  const row = (name, t) =>
    console.log(
      `${name.padEnd(58)} ${t.median.toFixed(1).padStart(7)} ms (min ${t.min.toFixed(1)}, CPU ${t.cpu.toFixed(1)} ms)`,
    );
  const sum = (a, b) => ({ median: a.median + b.median, min: a.min + b.min, cpu: a.cpu + b.cpu });
  console.log(`x [${batch},28,28,1], w [3,3,1,16] SAME, 2×2 pool; median of ${reps} (after ${warmup} warm-up)`);
  row('Conv2D', conv);
  row('LipnetBiasPairSortL2Pool', poolFwd);
  row('  forward composition (sum of the two)', sum(conv, poolFwd));
  row('LipnetConvBiasPairSortL2Pool (fused)', fusedFwd);
  row('LipnetBiasPairSortL2PoolGrad', poolGrad);
  row('Conv2DBackpropFilter', filter);
  row('  backward composition (sum of the two)', sum(poolGrad, filter));
  row('LipnetConvBiasPairSortL2PoolGrad (fused, recomputes z)', fusedGrad);
  tf.dispose([x, w, b, dy, z, dz]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
