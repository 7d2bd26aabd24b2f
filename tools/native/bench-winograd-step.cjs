#!/usr/bin/env node
// Times demo4's training step (benchmarks/demo4-training.cjs: the network and objective of `pnpm bench`; `tapeStep` over
// `compileTrainingForward(model).apply(x)`) on tfjs-node's 'tensorflow' backend with the training
// graph's Winograd conv ops off and on (`setNativeWinograd`), alternating step by step in one process
// so that load from other processes hits both alike; medians of the step and of its two graph runs.
// A measurement tool, not a test; it never asserts on time. Needs `pnpm build` and `pnpm native:setup`.
//
// Usage: node tools/native/bench-winograd-step.cjs [--batch 4096] [--steps 8] [--warmup 1]
'use strict';
const path = require('path');
const { numericOption: opt, requireFrom, root } = require('./bench-options.cjs');
const batch = opt('batch', 4096);
const steps = opt('steps', 8);
const warmup = opt('warmup', 1);

const benchmarks = path.join(root, 'benchmarks');
const req = requireFrom('benchmarks');
const tf = req('@tensorflow/tfjs-core');
const { selectBackend, compileTrainingForward, setNativeWinograd, tapeStep } = req('@lipnet/backend');
const { demo4Model, demo4Objective } = require(path.join(benchmarks, 'demo4-training.cjs'));

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

async function main() {
  const choice = await selectBackend({ prefer: 'tensorflow', log: null });
  if (choice.name !== 'tensorflow') throw new Error(`needs the 'tensorflow' backend, got ${choice.name}`);
  const model = demo4Model(1);
  const compiled = compileTrainingForward(model);
  if (!compiled) throw new Error('compileTrainingForward refused the model (lipnet_ops not built?)');
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10), 'float32'));
  const { optimizer, loss, metrics } = demo4Objective();
  const vars = model.trainableWeights.map((w) => w.read());
  const rows = { off: { step: [], fwd: [], bwd: [] }, on: { step: [], fwd: [], bwd: [] } };
  for (let i = 0; i < warmup + steps; i++) {
    for (const mode of ['off', 'on']) {
      setNativeWinograd(mode === 'on');
      const g0 = compiled.runTimes();
      const t0 = performance.now();
      await tapeStep(() => compiled.apply(x), vars, labels, optimizer, loss, metrics);
      const ms = performance.now() - t0;
      const g1 = compiled.runTimes();
      if (i < warmup) continue;
      rows[mode].step.push(ms);
      rows[mode].fwd.push(g1.forwardMs - g0.forwardMs);
      rows[mode].bwd.push(g1.backwardMs - g0.backwardMs);
    }
  }
  console.log(
    `demo4 training step, batch ${batch}; medians of ${steps} alternating steps (after ${warmup} warm-up each)`,
  );
  for (const mode of ['off', 'on']) {
    const r = rows[mode];
    console.log(
      `Winograd ${mode.padEnd(3)}  step ${median(r.step).toFixed(1).padStart(6)} ms   forward graph ${median(r.fwd).toFixed(1).padStart(5)} ms   backward graph ${median(r.bwd).toFixed(1).padStart(5)} ms`,
    );
  }
  tf.dispose([x, labels]);
  compiled.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
