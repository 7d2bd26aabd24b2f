#!/usr/bin/env node
/**
 * Micro-benchmark (not a test): demo4's first layer on the wasm backend, one
 * thread — the fused kernels LipnetConvBiasPairSortL2Pool and
 * LipnetConvBiasPairSortL2PoolGrad against the composition they replace:
 *
 *   forward  Conv2D(x, w) → LipnetBiasPairSortL2Pool(z, b)
 *   backward LipnetBiasPairSortL2PoolGrad(z, b, dy) → Conv2DBackpropFilter(x, dz)
 *            (z from the forward pass, not timed; the fused gradient recomputes it)
 *
 * Interleaved in one process (fused forward, composed forward, fused
 * backward, composed backward per round), best of --reps after one warm-up
 * round (which compiles the modules).
 *
 * Usage (after `pnpm build`):
 *   node bench/conv-sort-pool-wasm.js [--batch 2048] [--reps 5] [--cin 1] [--cout 16] [out.json]
 */
'use strict';
const fs = require('fs');
const os = require('os');

function parseArgs(argv) {
  const opts = { batch: 2048, reps: 5, cin: 1, cout: 16, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batch') opts.batch = Number(argv[++i]);
    else if (a === '--reps') opts.reps = Number(argv[++i]);
    else if (a === '--cin') opts.cin = Number(argv[++i]);
    else if (a === '--cout') opts.cout = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`conv-sort-pool-wasm: unknown option ${a}`);
    else opts.out = a;
  }
  return opts;
}

/** Milliseconds of fn() (its outputs disposed; reading the time after the synchronous kernels return). */
function time(tf, fn) {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  tf.dispose(out);
  return ms;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tf = require('@tensorflow/tfjs-core');
  const lib = require('..');
  require('@tensorflow/tfjs-backend-wasm').setWasmPaths(lib.wasmDistDir());
  const relaxed = lib.configureRelaxedSimd('on');
  lib.registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const { batch: n, cin, cout } = opts;
  const x = tf.randomUniform([n, 28, 28, cin], -1, 1, 'float32', 1);
  const w = tf.randomUniform([3, 3, cin, cout], -0.3, 0.3, 'float32', 2);
  const b = tf.randomUniform([cout], -0.1, 0.1, 'float32', 3);
  const dy = tf.randomUniform([n, 14, 14, cout], -1, 1, 'float32', 4);
  const z = tf.conv2d(x, w, 1, 'same');
  const attrs = { poolSize: [2, 2], scale: 2, eps: 1e-6, padding: 'same' };
  const run = (name, inputs) => tf.engine().runKernel(name, inputs, attrs);
  const filterAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, cin, cout] };
  const steps = {
    fusedForward: () => run('LipnetConvBiasPairSortL2Pool', { x, w, b }),
    conv2d: () => tf.conv2d(x, w, 1, 'same'),
    biasPairSortL2Pool: () => run('LipnetBiasPairSortL2Pool', { z, b }),
    fusedGrad: () => run('LipnetConvBiasPairSortL2PoolGrad', { x, w, b, dy }),
    biasPairSortL2PoolGrad: () => run('LipnetBiasPairSortL2PoolGrad', { z, b, dy }),
    conv2dBackpropFilter: () => {
      const [dz, db] = run('LipnetBiasPairSortL2PoolGrad', { z, b, dy });
      db.dispose();
      const t0 = performance.now();
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, filterAttrs);
      const ms = performance.now() - t0;
      tf.dispose([dz, dw]);
      return ms;
    },
  };
  const best = Object.fromEntries(Object.keys(steps).map((k) => [k, Infinity]));
  for (let r = 0; r <= opts.reps; r++) {
    for (const [k, fn] of Object.entries(steps)) {
      const ms = k === 'conv2dBackpropFilter' ? fn() : time(tf, fn);
      if (r > 0) best[k] = Math.min(best[k], ms);
    }
  }
  const round = (v) => +v.toFixed(1);
  const composedForward = best.conv2d + best.biasPairSortL2Pool;
  const composedGrad = best.biasPairSortL2PoolGrad + best.conv2dBackpropFilter;
  const rows = {
    ...Object.fromEntries(Object.entries(best).map(([k, v]) => [k, round(v)])),
    composedForward: round(composedForward),
    composedGrad: round(composedGrad),
    fusedTotal: round(best.fusedForward + best.fusedGrad),
    composedTotal: round(composedForward + composedGrad),
  };
  console.log(`x [${n}, 28, 28, ${cin}], 3×3 'same' → ${cout}, 2×2 pool; one thread; ${relaxed}; best of ${opts.reps}`);
  console.log(
    `  forward  fused ${rows.fusedForward} ms | composed ${rows.composedForward} ms (Conv2D ${rows.conv2d} + LipnetBiasPairSortL2Pool ${rows.biasPairSortL2Pool})`,
  );
  console.log(
    `  backward fused ${rows.fusedGrad} ms | composed ${rows.composedGrad} ms (LipnetBiasPairSortL2PoolGrad ${rows.biasPairSortL2PoolGrad} + Conv2DBackpropFilter ${rows.conv2dBackpropFilter})`,
  );
  console.log(`  total    fused ${rows.fusedTotal} ms | composed ${rows.composedTotal} ms`);
  tf.dispose([x, w, b, dy, z]);
  const meta = {
    batch: n,
    cin,
    cout,
    reps: opts.reps,
    relaxed,
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
  };
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify({ meta, rows }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
