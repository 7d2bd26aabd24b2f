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
 * round (which compiles the modules). `--workers 2` runs the same loop in two
 * worker threads at once (each its own wasm backend, as demo4's data-parallel
 * training does), where the composition's passes over z and dz compete for
 * memory bandwidth.
 *
 * Usage (after `pnpm build`):
 *   node bench/conv-sort-pool-wasm.js [--batch 2048] [--reps 5] [--cin 1] [--cout 16] [--workers 1] [out.json]
 *   node bench/conv-sort-pool-wasm.js --heap fused|composed   (the wasm heap one pass needs, in a fresh process)
 */
'use strict';
const fs = require('fs');
const os = require('os');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

function parseArgs(argv) {
  const opts = { batch: 2048, reps: 5, cin: 1, cout: 16, workers: 1, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batch') opts.batch = Number(argv[++i]);
    else if (a === '--reps') opts.reps = Number(argv[++i]);
    else if (a === '--cin') opts.cin = Number(argv[++i]);
    else if (a === '--cout') opts.cout = Number(argv[++i]);
    else if (a === '--workers') opts.workers = Number(argv[++i]);
    else if (a === '--heap') opts.heap = argv[++i];
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

/** Waits until all `opts.workers` threads reach it (a no-op on one thread): each step runs in all of them at once. */
function barrier(opts) {
  if (!opts.sync) return;
  const a = new Int32Array(opts.sync); // [arrived, generation]
  const gen = Atomics.load(a, 1);
  if (Atomics.add(a, 0, 1) === opts.workers - 1) {
    Atomics.store(a, 0, 0);
    Atomics.add(a, 1, 1);
    Atomics.notify(a, 1);
  } else {
    while (Atomics.load(a, 1) === gen) Atomics.wait(a, 1, gen);
  }
}

/** The wasm backend with lipnet's kernels, and demo4's first-layer inputs on it. */
async function setup(opts) {
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
  const attrs = { poolSize: [2, 2], scale: 2, eps: 1e-6, padding: 'same' };
  const run = (name, inputs) => tf.engine().runKernel(name, inputs, attrs);
  const filterAttrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, cin, cout] };
  return { tf, relaxed, x, w, b, dy, run, filterAttrs };
}

/**
 * The wasm heap (MiB) before and after one forward and gradient pass, fused or
 * composed, in a fresh process (the heap only grows): what the pass needs at once.
 */
async function heapGrowth(opts) {
  const { tf, x, w, b, dy, run, filterAttrs } = await setup(opts);
  const heap = () => +(tf.backend().wasm.HEAPU8.buffer.byteLength / 2 ** 20).toFixed(0);
  const before = heap();
  if (opts.heap === 'fused') {
    tf.dispose([
      run('LipnetConvBiasPairSortL2Pool', { x, w, b }),
      ...run('LipnetConvBiasPairSortL2PoolGrad', { x, w, b, dy }),
    ]);
  } else {
    const z = tf.conv2d(x, w, 1, 'same');
    const y = run('LipnetBiasPairSortL2Pool', { z, b });
    const [dz, db] = run('LipnetBiasPairSortL2PoolGrad', { z, b, dy });
    tf.dispose([z, y, dz, db, tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, filterAttrs)]);
  }
  console.log(
    `${opts.heap}: wasm heap ${before} MiB with the inputs, ${heap()} MiB after one forward and gradient pass`,
  );
}

/** Best times of each step (ms) on this thread's wasm backend. */
async function measure(opts) {
  const { tf, relaxed, x, w, b, dy, run, filterAttrs } = await setup(opts);
  const z = tf.conv2d(x, w, 1, 'same');
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
      barrier(opts);
      const ms = k === 'conv2dBackpropFilter' ? fn() : time(tf, fn);
      if (r > 0) best[k] = Math.min(best[k], ms);
    }
  }
  tf.dispose([x, w, b, dy, z]);
  return { best, relaxed };
}

/** The summary rows of one thread's best times. */
function summarise(best) {
  const round = (v) => +v.toFixed(1);
  const composedForward = best.conv2d + best.biasPairSortL2Pool;
  const composedGrad = best.biasPairSortL2PoolGrad + best.conv2dBackpropFilter;
  return {
    ...Object.fromEntries(Object.entries(best).map(([k, v]) => [k, round(v)])),
    composedForward: round(composedForward),
    composedGrad: round(composedGrad),
    fusedTotal: round(best.fusedForward + best.fusedGrad),
    composedTotal: round(composedForward + composedGrad),
  };
}

function print(rows, label) {
  console.log(`${label}`);
  console.log(
    `  forward  fused ${rows.fusedForward} ms | composed ${rows.composedForward} ms (Conv2D ${rows.conv2d} + LipnetBiasPairSortL2Pool ${rows.biasPairSortL2Pool})`,
  );
  console.log(
    `  backward fused ${rows.fusedGrad} ms | composed ${rows.composedGrad} ms (LipnetBiasPairSortL2PoolGrad ${rows.biasPairSortL2PoolGrad} + Conv2DBackpropFilter ${rows.conv2dBackpropFilter})`,
  );
  console.log(`  total    fused ${rows.fusedTotal} ms | composed ${rows.composedTotal} ms`);
}

/** Runs `measure` in `opts.workers` worker threads at once; their results. */
function inWorkers(opts) {
  const sync = new SharedArrayBuffer(8);
  return Promise.all(
    Array.from(
      { length: opts.workers },
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: { ...opts, sync } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.heap === 'fused' || opts.heap === 'composed') return heapGrowth(opts);
  if (opts.heap !== undefined) throw new Error(`conv-sort-pool-wasm: --heap takes fused or composed, got ${opts.heap}`);
  const results = opts.workers > 1 ? await inWorkers(opts) : [await measure(opts)];
  const { batch: n, cin, cout } = opts;
  const head = `x [${n}, 28, 28, ${cin}], 3×3 'same' → ${cout}, 2×2 pool; ${results[0].relaxed}; best of ${opts.reps}`;
  const rows = results.map((r) => summarise(r.best));
  rows.forEach((r, i) => print(r, `${head}; thread ${i + 1} of ${opts.workers}`));
  const meta = {
    ...opts,
    relaxed: results[0].relaxed,
    node: process.version,
    cpu: os.cpus()[0]?.model,
    loadAverage: os.loadavg().map((v) => +v.toFixed(2)),
    cores: os.cpus().length,
  };
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify({ meta, rows }, null, 2) + '\n');
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  measure(workerData).then((r) => parentPort.postMessage(r));
}
