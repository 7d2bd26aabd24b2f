#!/usr/bin/env node
/**
 * Benchmark (not a test): does data-parallel training over worker threads pay?
 * The demo4-shaped network (bench/demo4-model.js), Adam, one step per batch:
 * in-process wasm (1 thread) vs DataParallelTrainer with 1, 2, … wasm workers.
 * Wall time per step is what counts; on a machine shared with other jobs it
 * is only comparable between runs made back to back (alternated here).
 *
 * Usage (after `pnpm build`): node bench/train-step-parallel.js <out.json> [--batch 4096] [--steps 4] [--workers 1,2] [--rounds 2] [--in-process]
 * (--in-process adds the plain single-thread step in the main thread: +2.7 GB at batch 4096.)
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function parseArgs(argv) {
  const o = { out: undefined, batch: 4096, steps: 4, workers: [1, 2], rounds: 2, inProcess: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--batch') o.batch = Number(argv[++i]);
    else if (a === '--steps') o.steps = Number(argv[++i]);
    else if (a === '--workers') o.workers = argv[++i].split(',').map(Number);
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--in-process') o.inProcess = true;
    else if (a.startsWith('--')) throw new Error(`train-step-parallel: unknown option ${a}`);
    else o.out = a;
  }
  if (!o.out) throw new Error('train-step-parallel: give the output JSON path first');
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const tf = require('@tensorflow/tfjs-core');
  const lib = require('..');
  const modelModule = path.join(__dirname, 'demo4-model.js');
  const { createModel, loss } = require(modelModule);
  await lib.selectBackend({ prefer: 'wasm', log: null });
  const b = opts.batch;
  const x = tf.randomUniform([b, 28, 28, 1]);
  const y = tf.cast(tf.oneHot(tf.randomUniform([b], 0, 10, 'int32'), 10), 'float32');

  const measure = async (label, step, trainer) => {
    await step();
    await step();
    const wall = [];
    const cpu = [];
    const serial = [];
    for (let i = 0; i < opts.steps; i++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await step();
      wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (trainer) serial.push(trainer.lastStepTimings.lossMs + trainer.lastStepTimings.applyMs);
    }
    const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
    const r = {
      label,
      msPerStep: med(wall),
      minMsPerStep: Math.min(...wall),
      cpuMsPerStep: med(cpu),
      secondsPerEpoch: (med(wall) / 1000) * (60000 / b),
      load1: os.loadavg()[0],
    };
    if (trainer) {
      // Main-thread serial part (loss + apply, wall ms) and, from it, the step
      // this CPU work would take with one free core per worker: serial + (CPU − serial) / workers.
      r.serialMsPerStep = med(serial);
      r.estimatedMsPerStepOnFreeCores = r.serialMsPerStep + (r.cpuMsPerStep - r.serialMsPerStep) / trainer.workers;
    }
    process.stderr.write(
      `  ${label}: ${r.msPerStep.toFixed(0)} ms/step (min ${r.minMsPerStep.toFixed(0)}), CPU ${r.cpuMsPerStep.toFixed(0)} ms` +
        (trainer
          ? `, serial ${r.serialMsPerStep.toFixed(0)} ms, estimate on free cores ${r.estimatedMsPerStepOnFreeCores.toFixed(0)} ms`
          : '') +
        `, load ${r.load1.toFixed(1)}\n`,
    );
    return r;
  };

  const results = [];
  const model = createModel();
  const opt = tf.train.adam(1e-3);
  const inProcess = () => {
    const c = opt.minimize(() => loss(y, model.apply(x, { training: true })), true);
    c.dataSync();
    c.dispose();
  };
  const trainers = {};
  for (const w of opts.workers) {
    trainers[w] = {
      trainer: await lib.DataParallelTrainer.create({ model: createModel(), workers: w, backend: 'wasm' }),
      opt: tf.train.adam(1e-3),
    };
  }
  for (let round = 0; round < opts.rounds; round++) {
    process.stderr.write(`round ${round + 1}/${opts.rounds}, batch ${b}\n`);
    if (opts.inProcess) results.push({ round, ...(await measure('in-process wasm, 1 thread', inProcess)) });
    for (const w of opts.workers)
      results.push({
        round,
        workers: w,
        ...(await measure(
          `${w} wasm worker(s)`,
          () => trainers[w].trainer.step(x, y, trainers[w].opt, loss),
          trainers[w].trainer,
        )),
      });
  }
  for (const w of opts.workers) await trainers[w].trainer.dispose();
  const out = {
    benchmark: 'data-parallel demo4-shaped training step (wasm workers, Adam)',
    date: new Date().toISOString(),
    batch: b,
    cpus: os.cpus().length,
    results,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
  fs.writeFileSync(opts.out, JSON.stringify(out, null, 2) + '\n');
  console.log(`written ${opts.out}`);
}

main().catch((err) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
