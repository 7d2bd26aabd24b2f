#!/usr/bin/env node
/**
 * Micro-benchmark (not a test): the wasm backend's Conv2D,
 * Conv2DBackpropInput and Conv2DBackpropFilter kernels at demo4's 3×3
 * stride-1 shapes (and a few more), Winograd
 * F(2×2, 3×3) against lipnet's direct SIMD kernel, back to back in one
 * process on one thread (alternating, best of --reps).
 *
 * Usage (after `pnpm build`):
 *   node bench/conv-winograd.js [--batch 2048] [--reps 5] [--shapes all|demo4|<part of a label>] [out.json]
 *
 * GFLOP/s are direct-convolution-equivalent: 2·N·oH·oW·9·C·K / time, for both.
 */
'use strict';
const fs = require('fs');
const os = require('os');

function parseArgs(argv) {
  const opts = { batch: 2048, reps: 5, shapes: 'all', out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batch') opts.batch = Number(argv[++i]);
    else if (a === '--reps') opts.reps = Number(argv[++i]);
    else if (a === '--shapes') opts.shapes = argv[++i];
    else if (a.startsWith('--')) throw new Error(`conv-winograd: unknown option ${a}`);
    else opts.out = a;
  }
  return opts;
}

/** [label, kernel, x shape (dy for the backprop), filter shape]: every conv2 shape demo4 runs, then smaller C, K. */
const DEMO4 = [
  ['conv2 forward 14×14 16→32', 'Conv2D', [14, 14, 16], [3, 3, 16, 32]],
  ['conv2 backprop-input 14×14 32→16', 'Conv2DBackpropInput', [14, 14, 32], [3, 3, 16, 32]],
  ['conv2 backprop-filter 14×14 16→32', 'Conv2DBackpropFilter', [14, 14, 16], [3, 3, 16, 32]],
];
const MORE = [
  ['conv 28×28 4→16', 'Conv2D', [28, 28, 4], [3, 3, 4, 16]],
  ['conv 28×28 16→4', 'Conv2D', [28, 28, 16], [3, 3, 16, 4]],
  ['conv 14×14 8→8', 'Conv2D', [14, 14, 8], [3, 3, 8, 8]],
  ['conv 14×14 4→4', 'Conv2D', [14, 14, 4], [3, 3, 4, 4]],
  ['conv 14×14 8→16', 'Conv2D', [14, 14, 8], [3, 3, 8, 16]],
  ['conv 7×7 32→32', 'Conv2D', [7, 7, 32], [3, 3, 32, 32]],
  ['conv 28×28 16→16', 'Conv2D', [28, 28, 16], [3, 3, 16, 16]],
  ['conv 14×14 64→64', 'Conv2D', [14, 14, 64], [3, 3, 64, 64]],
  ['conv 8×8 128→128', 'Conv2D', [8, 8, 128], [3, 3, 128, 128]],
  ['conv 56×56 8→8', 'Conv2D', [56, 56, 8], [3, 3, 8, 8]],
  ['conv 28×28 4→8', 'Conv2D', [28, 28, 4], [3, 3, 4, 8]],
  ['conv 28×28 4→32', 'Conv2D', [28, 28, 4], [3, 3, 4, 32]],
  ['conv 28×28 4→4', 'Conv2D', [28, 28, 4], [3, 3, 4, 4]],
  ['filter-grad 28×28 4→16', 'Conv2DBackpropFilter', [28, 28, 4], [3, 3, 4, 16]],
  ['filter-grad 28×28 4→8', 'Conv2DBackpropFilter', [28, 28, 4], [3, 3, 4, 8]],
  ['filter-grad 28×28 4→32', 'Conv2DBackpropFilter', [28, 28, 4], [3, 3, 4, 32]],
  ['filter-grad 28×28 16→4', 'Conv2DBackpropFilter', [28, 28, 16], [3, 3, 16, 4]],
  ['filter-grad 14×14 8→8', 'Conv2DBackpropFilter', [14, 14, 8], [3, 3, 8, 8]],
  ['filter-grad 14×14 8→16', 'Conv2DBackpropFilter', [14, 14, 8], [3, 3, 8, 16]],
  ['filter-grad 7×7 32→32', 'Conv2DBackpropFilter', [7, 7, 32], [3, 3, 32, 32]],
  ['filter-grad 14×14 64→64', 'Conv2DBackpropFilter', [14, 14, 64], [3, 3, 64, 64]],
];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tf = require('@tensorflow/tfjs-core');
  const lib = require('..');
  require('@tensorflow/tfjs-backend-wasm').setWasmPaths(lib.wasmDistDir());
  lib.configureRelaxedSimd('on');
  lib.registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const shapes =
    opts.shapes === 'demo4'
      ? DEMO4
      : opts.shapes === 'all'
        ? [...DEMO4, ...MORE]
        : [...DEMO4, ...MORE].filter(([label]) => label.includes(opts.shapes));
  const rows = [];
  for (const [label, kernel, xs, fs_] of shapes) {
    const [h, w, ch] = xs;
    const x = tf.randomUniform([opts.batch, h, w, ch], -1, 1);
    const f = tf.randomUniform(fs_, -1, 1);
    const dy = kernel === 'Conv2DBackpropFilter' ? tf.randomUniform([opts.batch, h, w, fs_[3]], -1, 1) : undefined;
    const run = () => {
      const y =
        kernel === 'Conv2D'
          ? tf.conv2d(x, f, 1, 'same')
          : kernel === 'Conv2DBackpropInput'
            ? tf.conv2dTranspose(x, f, [opts.batch, h, w, fs_[2]], 1, 'same')
            : tf
                .engine()
                .runKernel(
                  'Conv2DBackpropFilter',
                  { x, dy },
                  { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: fs_ },
                );
      y.dispose();
    };
    const best = { direct: Infinity, winograd: Infinity };
    for (let r = 0; r <= opts.reps; r++) {
      for (const mode of ['off', 'auto']) {
        lib.setConvWinograd(mode);
        const t0 = performance.now();
        run();
        const ms = performance.now() - t0;
        const key = mode === 'off' ? 'direct' : 'winograd';
        if (r > 0) best[key] = Math.min(best[key], ms); // r = 0 compiles
      }
    }
    lib.setConvWinograd('auto');
    const flops = 2 * opts.batch * h * w * 9 * fs_[2] * fs_[3];
    const row = {
      label,
      kernel,
      directMs: +best.direct.toFixed(1),
      winogradMs: +best.winograd.toFixed(1),
      directGflops: +(flops / best.direct / 1e6).toFixed(1),
      winogradGflops: +(flops / best.winograd / 1e6).toFixed(1),
      speedup: +(best.direct / best.winograd).toFixed(2),
      auto:
        kernel === 'Conv2DBackpropInput'
          ? lib.winogradApplies(3, 3, fs_[3], fs_[2])
          : lib.winogradApplies(3, 3, fs_[2], fs_[3]),
    };
    rows.push(row);
    console.log(
      `${label.padEnd(34)} direct ${String(row.directMs).padStart(7)} ms ${String(row.directGflops).padStart(5)} GFLOP/s | winograd ${String(row.winogradMs).padStart(7)} ms ${String(row.winogradGflops).padStart(5)} GFLOP/s-eq | ×${row.speedup}${row.auto ? ' (auto: winograd)' : ''}`,
    );
    tf.dispose(dy ? [x, f, dy] : [x, f]);
  }
  const meta = {
    batch: opts.batch,
    reps: opts.reps,
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
