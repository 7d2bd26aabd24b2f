/**
 * The head table of `pnpm bench`'s report: seconds per epoch of lipnet's
 * backends and of the Python references measured in the same run, each as a
 * ratio to deel-lip's epoch, with lipnet's GEMM floors, the proven certificates
 * of the whole test set, the notebook's Carlini-Wagner phase and peak RSS.
 */
'use strict';

const f = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');

/** deel-lip's epoch (a real epoch plus validation, else the one implied by its step time), or undefined. */
function deelLipEpoch(reference) {
  if (!reference || reference.error || reference.skipped) return undefined;
  if (typeof reference.epochSeconds === 'number') return reference.epochSeconds + (reference.validationSeconds || 0);
  return reference.epochSecondsFromStep;
}

/** A PyTorch network's epoch from bench_torchlip.py's record. */
const torchEpoch = (r) => (r ? (r.epochSeconds ?? r.epochSecondsFromStep) : undefined);

/** The label of a lipnet run, as in the issue's table. */
function lipnetLabel(r) {
  if (r.backend === 'tensorflow + fused ops')
    return "lipnet, TensorFlow kernels + lipnet's fused ops (`pnpm native:setup`)";
  if (r.backend.startsWith('tensorflow')) return `lipnet, ${r.backend}`;
  if (r.workers) return `lipnet, wasm × ${r.workers} workers (the default on a fresh machine)`;
  return `lipnet, ${r.backend}${r.batch ? ` (batch ${r.batch})` : ''}`;
}

/**
 * Markdown lines of the summary table. `runs` are child.cjs records, `floorGflop`
 * the work of an epoch in GFLOP, `reference` and `torchlip` the Python records.
 */
function summaryLines(runs, floorGflop, reference, torchlip) {
  const base = deelLipEpoch(reference);
  const ratio = (s) => (base && typeof s === 'number' ? `${(s / base).toFixed(2)}×` : '—');
  const rows = [];
  for (const r of runs) {
    if (r.skipped || r.error || r.backend === 'cpu') continue;
    const floor = r.gemmGflops ? floorGflop / r.gemmGflops : undefined;
    rows.push(
      `| ${lipnetLabel(r)} | ${f(r.secondsPerEpoch)} | ${ratio(r.secondsPerEpoch)} | ${f(floor)} (${f(r.gemmGflops, 0)} GFLOP/s) | ${f(floor && r.secondsPerEpoch / floor)}× | ${f(r.certificates && r.certificates.seconds)} | ${f(r.cwNotebookSecondsUpperBound, 0)} | ${r.peakRssMB ?? '—'} |`,
    );
  }
  if (base !== undefined)
    rows.push(
      `| deel-lip ${reference.deelLip}, TensorFlow ${reference.tensorflow} CPU | ${f(base)} | 1× | | | | | ${reference.peakRssMiB ?? '—'} |`,
    );
  if (torchlip && !torchlip.error && !torchlip.skipped) {
    const t = torchlip;
    rows.push(
      `| deel-torchlip ${t.deelTorchlip}, PyTorch ${t.torch} CPU | ${f(torchEpoch(t.torchlip))} | ${ratio(torchEpoch(t.torchlip))} | | | | | |`,
    );
    rows.push(
      `| unconstrained PyTorch CNN of the same shape | ${f(torchEpoch(t.unconstrained))} | ${ratio(torchEpoch(t.unconstrained))} | | | | | |`,
    );
  }
  return [
    '| | s/epoch | vs deel-lip | GEMM floor s/epoch | × floor | certificates, 10,000 images (s) | CW phase of demo4 (s, upper bound) | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `s/epoch: 60,000 training images plus the validation pass. GEMM floor: ${floorGflop} GFLOP per epoch over the backend's best GEMM rate (for the workers, one thread's rate times their count). Certificates: the certified Lipschitz bound of the model plus the logits and certificates of 10,000 images. CW phase: 10 images × 6 binary-search steps × 8,000 steps from the timed 10-image steps (abort-early off), an upper bound.` +
      (base === undefined
        ? ' deel-lip was not measured in this run (set up tools/reference), so there are no ratios.'
        : ''),
  ];
}

module.exports = { summaryLines, deelLipEpoch };
