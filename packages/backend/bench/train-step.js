#!/usr/bin/env node
/**
 * Benchmark (not a test): one Adam training step of the demo4-shaped plain
 * tfjs network — conv16 3×3 same → avgpool 2 → conv32 3×3 same → avgpool 2 →
 * flatten → dense 64 → dense 10, softmax cross-entropy — on each backend.
 *
 * Usage (after `pnpm build`):
 *   node bench/train-step.js <out.json> [--batches 256,4096] [--steps 5]
 *        [--configs tensorflow,tensorflow-stock,wasm,wasm-filter-only,wasm-stock,cpu] [--cpu-batch 32] [--profile]
 *
 * Configs:
 *   tensorflow        tfjs-node (TensorFlow's C kernels), when its addon is built, with lipnet's Step
 *   tensorflow-stock  tfjs-node with its own kernels only
 *   wasm              WebAssembly + lipnet's training kernels (@lipnet/backend)
 *   wasm-filter-only  WebAssembly stock kernels + only the missing Conv2DBackpropFilter
 *   wasm-stock        WebAssembly stock kernels (fails: no Conv2DBackpropFilter)
 *   cpu               pure JS, only at --cpu-batch (it is ~200× slower)
 *
 * Each (config, batch) runs in its own Node process so that peak RSS is its own.
 * Prints a table and writes every figure as JSON to <out.json>.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const EPOCH_IMAGES = 60000;

function parseArgs(argv) {
  const opts = {
    out: undefined,
    batches: [256, 4096],
    steps: 5,
    configs: ['tensorflow', 'tensorflow-stock', 'wasm', 'wasm-filter-only', 'wasm-stock', 'cpu'],
    cpuBatch: 32,
    profile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batches') opts.batches = argv[++i].split(',').map(Number);
    else if (a === '--steps') opts.steps = Number(argv[++i]);
    else if (a === '--configs') opts.configs = argv[++i].split(',');
    else if (a === '--cpu-batch') opts.cpuBatch = Number(argv[++i]);
    else if (a === '--profile') opts.profile = true;
    else if (a.startsWith('--')) throw new Error(`train-step: unknown option ${a}`);
    else opts.out = a;
  }
  if (!opts.out)
    throw new Error(
      'train-step: give the output JSON path as the first argument, e.g. node bench/train-step.js results.json',
    );
  return opts;
}

async function child(spec) {
  const tf = require('@tensorflow/tfjs-core');
  const demo4 = require('./demo4-model');
  const lib = require('..');
  const prefer =
    spec.config === 'wasm-filter-only' ? 'wasm-stock' : spec.config === 'tensorflow-stock' ? 'tensorflow' : spec.config;
  let choice;
  try {
    choice = await lib.selectBackend({ prefer, log: null });
  } catch (err) {
    process.stdout.write(
      `\n@@RESULT ${JSON.stringify({ config: spec.config, batch: spec.batch, ok: false, error: `${err.name}: ${err.message}` })}\n`,
    );
    return;
  }
  if (spec.config === 'wasm-filter-only') lib.registerWasmTrainingKernels(['Conv2DBackpropFilter']);
  if (spec.config === 'tensorflow-stock') lib.unregisterNativeTrainingKernels();
  if (process.env.LIPNET_IM2COL_MAX_PATCH) lib.setIm2colMaxPatch(Number(process.env.LIPNET_IM2COL_MAX_PATCH));
  const b = spec.batch;
  const model = demo4.createModel();
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([b, 28, 28, 1]);
  const labels = tf.cast(tf.oneHot(tf.randomUniform([b], 0, 10, 'int32'), 10), 'float32');
  const step = () => {
    const cost = optimizer.minimize(() => demo4.loss(labels, model.apply(x, { training: true })), true);
    const v = cost.dataSync()[0];
    cost.dispose();
    return v;
  };
  const result = { config: spec.config, backend: choice.tfBackend, batch: b, reason: choice.reason };
  try {
    step();
    step();
    const tensorsAfterWarmup = tf.memory().numTensors;
    const times = [];
    const cpuTimes = [];
    for (let i = 0; i < spec.steps; i++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      step();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
    const cpuSorted = [...cpuTimes].sort((p, q) => p - q);
    const sorted = [...times].sort((p, q) => p - q);
    const median = sorted[Math.floor(sorted.length / 2)];
    Object.assign(result, {
      ok: true,
      steps: spec.steps,
      msPerStep: median,
      minMsPerStep: sorted[0],
      // CPU time of this process per step (all threads): robust to other load on a shared machine.
      cpuMsPerStep: cpuSorted[Math.floor(cpuSorted.length / 2)],
      msPerStepAll: times.map((t) => Math.round(t * 10) / 10),
      secondsPerEpoch: (median / 1000) * (EPOCH_IMAGES / b),
      imagesPerSecond: b / (median / 1000),
      tensorsAfterWarmup,
      tensorsAfterSteps: tf.memory().numTensors,
    });
    if (spec.profile) {
      // Per-kernel CPU time of one step (process.cpuUsage around each kernel
      // call): unlike tf.profile's wall time it is not inflated by other load.
      const byKernel = {};
      const backendName = tf.getBackend();
      const wrapped = [];
      for (const cfg of tf.getKernelsForBackend(backendName)) {
        const inner = cfg.kernelFunc;
        tf.unregisterKernel(cfg.kernelName, backendName);
        tf.registerKernel({
          ...cfg,
          kernelFunc: (args) => {
            const c0 = process.cpuUsage();
            const out = inner(args);
            const c = process.cpuUsage(c0);
            byKernel[cfg.kernelName] = (byKernel[cfg.kernelName] || 0) + (c.user + c.system) / 1000;
            return out;
          },
        });
        wrapped.push(cfg);
      }
      step();
      for (const cfg of wrapped) {
        tf.unregisterKernel(cfg.kernelName, backendName);
        tf.registerKernel(cfg);
      }
      result.profileCpuMs = Object.fromEntries(
        Object.entries(byKernel)
          .sort((p, q) => q[1] - p[1])
          .slice(0, 12)
          .map(([k, v]) => [k, Math.round(v * 10) / 10]),
      );
    }
  } catch (err) {
    Object.assign(result, { ok: false, error: `${err.name}: ${err.message.split('\n')[0]}` });
  }
  result.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const runs = [];
  for (const config of opts.configs) {
    const batches = config === 'cpu' ? [opts.cpuBatch] : opts.batches;
    for (const batch of batches) {
      const steps = config === 'cpu' ? Math.min(opts.steps, 2) : opts.steps;
      const spec = { config, batch, steps, profile: opts.profile };
      process.stderr.write(`train-step: ${config} batch ${batch} × ${steps} steps …\n`);
      const r = spawnSync(
        process.execPath,
        ['--max-old-space-size=8192', __filename, '--child', JSON.stringify(spec)],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          env: process.env,
        },
      );
      const line = (r.stdout || '').split('\n').find((l) => l.startsWith('@@RESULT '));
      if (line) runs.push(JSON.parse(line.slice('@@RESULT '.length)));
      else
        runs.push({
          config,
          batch,
          ok: false,
          error: `child exited ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`,
        });
    }
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
  const out = {
    benchmark: 'demo4-shaped training step (plain tfjs-layers, Adam)',
    date: new Date().toISOString(),
    machine,
    epochImages: EPOCH_IMAGES,
    runs,
  };
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
  const pad = (s, n) => String(s).padEnd(n);
  console.log(
    pad('config', 18) +
      pad('backend', 11) +
      pad('batch', 7) +
      pad('ms/step', 10) +
      pad('min', 8) +
      pad('cpu ms', 9) +
      pad('s/epoch', 10) +
      pad('img/s', 9) +
      pad('RSS MB', 8) +
      'tensors',
  );
  for (const r of runs) {
    if (!r.ok) {
      console.log(pad(r.config, 18) + pad(r.backend ?? '-', 11) + pad(r.batch, 7) + `FAILED: ${r.error}`);
      continue;
    }
    console.log(
      pad(r.config, 18) +
        pad(r.backend, 11) +
        pad(r.batch, 7) +
        pad(r.msPerStep.toFixed(0), 10) +
        pad(r.minMsPerStep.toFixed(0), 8) +
        pad(r.cpuMsPerStep.toFixed(0), 9) +
        pad(r.secondsPerEpoch.toFixed(1), 10) +
        pad(r.imagesPerSecond.toFixed(0), 9) +
        pad(r.peakRssMB, 8) +
        `${r.tensorsAfterWarmup} → ${r.tensorsAfterSteps}`,
    );
    if (r.profileCpuMs)
      console.log(
        '   kernel CPU ms, one step: ' +
          Object.entries(r.profileCpuMs)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
      );
  }
  console.log(`written ${opts.out}`);
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  try {
    main();
  } catch (err) {
    console.error(`${err.name}: ${err.message}`);
    process.exit(2);
  }
}
