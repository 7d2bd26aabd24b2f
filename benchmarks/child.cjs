#!/usr/bin/env node
/**
 * One backend, one process (so peak RSS is its own): measures what `run.cjs`
 * tabulates and prints one JSON line on stdout. Usage:
 *   node child.cjs <backend> <batch> <steps> <cwSteps>
 * `<backend>` `wasm-workers` trains data-parallel on one wasm worker thread per
 * core (DataParallelTrainer, exact full-batch gradient), as demo4 does on wasm;
 * everything else (GEMM, Lipschitz, inference, CW) runs in the main thread.
 * A benchmark, never a test: nothing here asserts on time.
 */
'use strict';
const tf = require('@tensorflow/tfjs-core');
const os = require('os');
const {
  selectBackend,
  DataParallelTrainer,
  KernelProfile,
  shardSizes,
  compileTrainingForward,
  tapeStep,
} = require('@lipnet/backend');
const { profileSteps } = require('./profile.cjs');
const L = require('@lipnet/layers');
const { demo4Model, demo4Objective } = require('./demo4-training.cjs');
const { L2CarliniWagnerAttack } = require('@lipnet/attacks');
const { lipschitzUpperBound, certificatesFromBound } = require('@lipnet/certificates');

const [backend, batchArg, stepsArg, cwArg, profileArg] = process.argv.slice(2);
const BATCH = Number(batchArg);
const STEPS = Number(stepsArg);
const CW_STEPS = Number(cwArg);
const PROFILE_STEPS = Number(profileArg || 0);
const EPOCH_IMAGES = 60000;
const VAL_IMAGES = 10000;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The median of `values` (the mean of the two middle ones for an even count). */
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function timeIt(fn, reps) {
  fn();
  const t0 = now();
  const c0 = cpuMs();
  for (let i = 0; i < reps; i++) fn();
  return { ms: (now() - t0) / reps, cpuMs: (cpuMs() - c0) / reps };
}

async function main() {
  const out = { backend, batch: BATCH };
  const workers =
    backend === 'wasm-workers' ? (os.availableParallelism ? os.availableParallelism() : os.cpus().length) : 0;
  let choice;
  try {
    choice = await selectBackend({ prefer: workers ? 'wasm' : backend, log: null });
  } catch (e) {
    out.skipped = String(e.message || e).split('\n')[0];
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  out.backend = workers ? `wasm × ${workers} workers` : choice.name;
  out.reason = choice.reason;
  if (workers) out.workers = workers;
  measureGemm(out, workers);

  // Training steps of the demo4 network (random data in the data's range and shapes).
  const model = demo4Model(1);
  const x = tf.randomUniform([BATCH, 28, 28, 1]);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10), 'float32'));
  const { step, trainer, compiled } = await trainingStep(model, x, labels, workers, out);
  await measureSteps(out, step, trainer, workers, compiled);
  if (PROFILE_STEPS > 0) out.profile = await profileSteps({ KernelProfile, step, steps: PROFILE_STEPS, trainer });

  const vx = tf.randomUniform([Math.min(BATCH, VAL_IMAGES), 28, 28, 1]);
  await measureValidation(out, model, trainer, vx, compiled);
  measureLipschitz(out, model);
  // Inference of the vanilla-exported model.
  const vanilla = L.vanillaExport(model);
  const inf = timeIt(
    () =>
      tf.tidy(() => {
        vanilla.predict(vx, { batchSize: BATCH }).dataSync();
      }),
    2,
  );
  out.inferenceImagesPerSecond = vx.shape[0] / (inf.ms / 1000);
  tf.dispose(vx);
  if (backend !== 'cpu') measureCertificates(out, model, vanilla);
  if (CW_STEPS > 0) await measureCarliniWagner(out, vanilla);
  tf.dispose([x, labels]);
  if (trainer) await trainer.dispose();
  out.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(out) + '\n');
}

/**
 * fp32 GEMM rate on this backend: the best of single timed products at two
 * sizes (the FLOP floor is the work over the best rate the machine reaches, so
 * a slow repetition must not flatter the ratio to it).
 */
function measureGemm(out, workers) {
  out.gemmGflops = 0;
  for (const n of backend === 'cpu' ? [1024] : [1024, 2048]) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    for (let rep = 0; rep < (backend === 'cpu' ? 2 : 6); rep++) {
      const t0 = now();
      tf.tidy(() => {
        tf.matMul(a, b).dataSync();
      }); // (a tidy that *returns* a big typed array walks it element by element)
      if (rep > 0) out.gemmGflops = Math.max(out.gemmGflops, (2 * n ** 3) / ((now() - t0) / 1000) / 1e9);
    }
    tf.dispose([a, b]);
  }
  if (workers) {
    out.gemmGflopsOneThread = out.gemmGflops;
    out.gemmGflops *= workers; // the aggregate rate of the workers' threads (measured on one, times their count)
  }
}

/**
 * One training step of `model` on (x, labels) with demo4's objective, as demo4 takes it: in this
 * thread, `tapeStep` (the optimizer's tape over the whole batch, loss and metrics on it) with
 * the forward and backward passes as TensorFlow graph runs where `compileTrainingForward`
 * takes the model (native backend, LIPNET_TRAIN_GRAPH not 0), else `model.apply` eagerly;
 * with `workers`, a data-parallel step on that many wasm workers (exact full-batch gradient).
 */
async function trainingStep(model, x, labels, workers, out) {
  const { optimizer, loss, metrics } = demo4Objective();
  if (!workers) {
    const compiled = compileTrainingForward(model);
    out.trainGraph = compiled !== null;
    const forward = compiled ? () => compiled.apply(x) : () => model.apply(x, { training: true });
    const vars = model.trainableWeights.map((w) => w.read());
    const step = async () => void (await tapeStep(forward, vars, labels, optimizer, loss, metrics));
    return { step, trainer: undefined, compiled };
  }
  const trainer = await DataParallelTrainer.create({
    model,
    workers,
    backend: 'wasm',
    modules: [require.resolve('@lipnet/layers')],
  });
  return { step: async () => void (await trainer.step(x, labels, optimizer, loss)), trainer };
}

/** Time per training step (after a warm-up step), tensor counts, and the workers' shards and memory. */
async function measureSteps(out, step, trainer, workers, compiled) {
  await step(); // warm-up: weights, kernels, caches
  const tensorsAfterWarmup = tf.memory().numTensors;
  const graph0 = compiled ? compiled.runTimes() : null;
  const stepMs = [];
  const c0 = cpuMs();
  for (let i = 0; i < STEPS; i++) {
    const t0 = now();
    await step();
    stepMs.push(now() - t0);
  }
  out.cpuMsPerStep = (cpuMs() - c0) / STEPS;
  // The median: one step slowed by the shared machine does not move it (the mean is kept beside it).
  out.msPerStep = median(stepMs);
  out.meanMsPerStep = stepMs.reduce((s, v) => s + v, 0) / STEPS;
  out.minMsPerStep = Math.min(...stepMs);
  if (compiled) {
    const g = compiled.runTimes();
    out.trainGraphForwardMsPerStep = (g.forwardMs - graph0.forwardMs) / STEPS;
    out.trainGraphBackwardMsPerStep = (g.backwardMs - graph0.backwardMs) / STEPS;
  }
  out.tensorsAfterWarmup = tensorsAfterWarmup;
  out.tensorsAfterSteps = tf.memory().numTensors;
  if (trainer) {
    out.shards = shardSizes(BATCH, workers);
    const memory = await trainer.workerMemory();
    out.workerTensorsAfterSteps = memory.map((m) => m.numTensors);
    out.workerHeapMB = memory.map((m) => Math.round(m.heapBytes / 2 ** 20));
  }
}

/**
 * Validation pass cost (predict on the test-set size, at the training batch), and the epoch time it implies;
 * through the training graph's inference run where there is one, as demo4's validation pass.
 */
async function measureValidation(out, model, trainer, vx, compiled) {
  let validationMs;
  if (trainer) {
    const t0 = now();
    const p = await trainer.predict(vx);
    p.dispose();
    validationMs = now() - t0;
  } else
    validationMs = timeIt(
      () =>
        tf.tidy(() => {
          (compiled ? compiled.predict(vx) : model.predict(vx, { batchSize: BATCH })).dataSync();
        }),
      1,
    ).ms;
  out.validationSeconds = (validationMs / 1000) * (VAL_IMAGES / vx.shape[0]);
  const stepsPerEpoch = Math.ceil(EPOCH_IMAGES / BATCH);
  out.secondsPerEpoch = (out.msPerStep * stepsPerEpoch) / 1000 + out.validationSeconds;
  out.trainImagesPerSecond = BATCH / (out.msPerStep / 1000);
}

/** The Lipschitz machinery alone: effective kernels (power iteration + Björck) and their gradient. */
function measureLipschitz(out, model) {
  const lip = model.layers.filter((l) => typeof l.effectiveWeights === 'function');
  const vars = model.trainableWeights.map((w) => w.read());
  const r = timeIt(() => {
    tf.tidy(() => {
      const f = () =>
        tf.addN(lip.map((l) => tf.sum(l.effectiveKernel ? l.effectiveKernel(true) : l.effectiveWeights()[0])));
      const grads = tf.variableGrads(f);
      Object.values(grads.grads).forEach((t) => t.dataSync());
    });
  }, 3);
  out.lipschitzMsPerStep = r.ms;
  void vars;
}

/**
 * Proven certificates of the whole test set: the certified Lipschitz bound of the model (power
 * iteration + a proof per layer), then the logits of 10,000 images and their certificates.
 */
function measureCertificates(out, model, vanilla) {
  const t0 = now();
  const bound = lipschitzUpperBound(model);
  const t1 = now();
  const images = tf.randomUniform([VAL_IMAGES, 28, 28, 1]);
  const logits = vanilla.predict(images, { batchSize: BATCH });
  const certs = certificatesFromBound(logits, bound);
  certs.dataSync();
  out.certificates = {
    images: VAL_IMAGES,
    boundSeconds: (t1 - t0) / 1000,
    marginsSeconds: (now() - t1) / 1000,
    seconds: (now() - t0) / 1000,
  };
  tf.dispose([images, logits, certs]);
}

/** Carlini-Wagner cost, the notebook's attack: 10 images, abort-early off so every step runs. */
async function measureCarliniWagner(out, vanilla) {
  const imgs = tf.randomUniform([10, 28, 28, 1], 0.05, 0.95);
  const lab = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'int32');
  const cw = new L2CarliniWagnerAttack({ binarySearchSteps: 1, steps: CW_STEPS, abortEarly: false });
  const t0 = now();
  const res = await cw.run(vanilla, imgs, lab);
  out.cwSecondsPer1000Steps = ((now() - t0) / 1000) * (1000 / CW_STEPS);
  out.cwNotebookSecondsUpperBound = out.cwSecondsPer1000Steps * 48; // 6 × 8000 steps, no abort-early
  tf.dispose([imgs, lab, res.raw, res.clipped, res.success]);
}

main().catch((e) => {
  process.stdout.write(
    JSON.stringify({
      backend,
      batch: BATCH,
      error: String((e && e.stack) || e)
        .split('\n')
        .slice(0, 3)
        .join(' | '),
    }) + '\n',
  );
  process.exitCode = 0;
});
