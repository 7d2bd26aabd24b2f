/**
 * `pnpm bench --profile`: where a training step's time goes, kernel by kernel.
 * `profileSteps` (in a bench child) runs a few training steps with every kernel
 * of the backend wrapped by @lipnet/backend's `KernelProfile` — in the main
 * thread, and inside each worker thread for the data-parallel trainer — and
 * returns per-step totals; `profileMarkdown` (in run.cjs) turns one backend's
 * record into a table. Wall times: on a loaded machine they are inflated, so the
 * record carries the load average and the shares matter more than the ms.
 */
'use strict';
const os = require('os');

/** Rows (kernel, calls, ms) divided by `steps`, rounded for the JSON. */
function perStep(rows, steps) {
  return rows.map((r) => ({
    kernel: r.kernel,
    calls: Math.round((r.calls / steps) * 10) / 10,
    ms: Math.round((r.ms / steps) * 100) / 100,
  }));
}

/**
 * Profiles `steps` calls of `step` (after the bench's warm-up). With a
 * DataParallelTrainer, its workers are profiled too and its phase timings
 * (forward, loss, backward, apply) are averaged.
 */
async function profileSteps({ KernelProfile, step, steps, trainer }) {
  const loadBefore = os.loadavg()[0];
  const phases = { forwardMs: 0, lossMs: 0, backwardMs: 0, applyMs: 0 };
  let wallMs = 0;
  // LIPNET_PROFILE_BY_SHAPE=1: rows per kernel and input shapes (main thread only), to tell layers apart.
  const main = KernelProfile.start(undefined, { byShape: process.env.LIPNET_PROFILE_BY_SHAPE === '1' });
  const run = async () => {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await step();
      wallMs += performance.now() - t0;
      if (trainer) for (const k of Object.keys(phases)) phases[k] += trainer.lastStepTimings[k] / steps;
    }
  };
  let workerRows;
  try {
    if (trainer) workerRows = await trainer.profileKernels(run);
    else await run();
  } finally {
    main.stop();
  }
  return {
    steps,
    msPerStep: Math.round((wallMs / steps) * 10) / 10,
    loadavg1Before: Math.round(loadBefore * 100) / 100,
    loadavg1After: Math.round(os.loadavg()[0] * 100) / 100,
    main: perStep(main.rows(), steps),
    workers: workerRows ? workerRows.map((rows) => perStep(rows, steps)) : undefined,
    phases: trainer
      ? Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * 10) / 10]))
      : undefined,
  };
}

/** One table: kernel | calls/step | ms/step | share of the thread's step; top `limit` rows, the rest summed. */
function table(title, rows, stepMs, limit = process.env.LIPNET_PROFILE_BY_SHAPE === '1' ? 40 : 18) {
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit);
  const pct = (ms) => `${((100 * ms) / stepMs).toFixed(1)} %`;
  const lines = [
    `**${title}** (step ${stepMs.toFixed(1)} ms; kernels ${kernelMs.toFixed(1)} ms, outside kernels ${(stepMs - kernelMs).toFixed(1)} ms)`,
    '',
    '| kernel | calls/step | ms/step | share of step |',
    '|---|---:|---:|---:|',
    ...shown.map((r) => `| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(1)} | ${pct(r.ms)} |`),
  ];
  if (rest.length) {
    const ms = rest.reduce((s, r) => s + r.ms, 0);
    lines.push(
      `| ${rest.length} others | ${rest.reduce((s, r) => s + r.calls, 0).toFixed(0)} | ${ms.toFixed(1)} | ${pct(ms)} |`,
    );
  }
  lines.push(
    `| (outside kernels: JS, tape, data transfers) | | ${(stepMs - kernelMs).toFixed(1)} | ${pct(stepMs - kernelMs)} |`,
    '',
  );
  return lines;
}

/** The markdown section of one backend's profile record (`run.profile`). */
function profileMarkdown(run) {
  const p = run.profile;
  if (!p) return [];
  const head = `### ${run.backend}, batch ${run.batch}: ${p.steps} profiled steps, ${p.msPerStep.toFixed(1)} ms/step wall (load average ${p.loadavg1Before} → ${p.loadavg1After})`;
  if (!p.workers) return [head, '', ...table('one thread', p.main, p.msPerStep)];
  const ph = p.phases;
  return [
    head,
    '',
    `Phases (main thread's view, ms/step): workers' forward ${ph.forwardMs}, loss and ∂L/∂P ${ph.lossMs}, workers' backward ${ph.backwardMs}, gradient sum and Adam ${ph.applyMs}.`,
    '',
    ...p.workers.flatMap((rows, i) =>
      table(
        `worker ${i + 1} (shard of ${run.shards ? run.shards[i] : '?'} images)`,
        rows,
        ph.forwardMs + ph.backwardMs,
      ),
    ),
    ...table('main thread (loss, metrics, optimizer)', p.main, p.msPerStep),
  ];
}

module.exports = { profileSteps, profileMarkdown };
