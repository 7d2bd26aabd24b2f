#!/usr/bin/env node
/**
 * `pnpm bench`: the demo4 network's training throughput at batch 4096 on every
 * backend available here, the notebook's Carlini-Wagner cost, inference of the
 * vanilla-exported model, the GEMM rate each backend reaches, peak RSS and
 * `tf.memory()` across steps; then deel-lip 1.5 on TensorFlow CPU, same machine,
 * same run, when `tools/reference/.venv` exists (`bash tools/reference/setup.sh`), and deel-torchlip 1.0.5
 * and an unconstrained torch CNN of the same shape on PyTorch CPU when `tools/reference/.venv-torch` exists
 * (`bash tools/reference/setup_torch.sh`).
 *
 * Writes benchmarks/results/<date>.json and <date>.md. Options:
 *   --backends tensorflow,tensorflow-eager,tensorflow-stock-ops,wasm-workers,wasm,cpu   --batch 4096   --steps 5 (the median is reported)   --cw-steps 200
 *   (tensorflow-stock-ops: tensorflow with lipnet's fused ops off, LIPNET_FUSED_OPS=0, for comparison;
 *   tensorflow-eager: fused ops, but the training passes layer by layer, LIPNET_TRAIN_GRAPH=0)
 *   --cpu-batch 64 (the pure-JS backend is ~200× slower: timed at a small batch, scaled)
 *   --wasm-batch 1024 (wasm32's 4 GB heap cannot hold a batch-4096 step of this network; demo4
 *     computes its batch-4096 steps in chunks of 1024, the same work as 4 steps here)
 *   --profile [steps] (per-kernel time of that many more training steps per backend, default 2: a table per
 *     backend, main thread and each worker, in the .md and as `profile` in the JSON; written to <date>-profile.json and .md)
 *   --no-reference (skip deel-lip and deel-torchlip)   --no-reference-epoch (their per-step figures only)   --out <dir>
 * A benchmark, not a test: it asserts nothing about time.
 */
'use strict';
const { spawnSync } = require('child_process');
const { profileMarkdown } = require('./profile.cjs');
const { summaryLines, deelLipEpoch } = require('./summary.cjs');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const opts = {
  backends: ['tensorflow', 'tensorflow-eager', 'tensorflow-stock-ops', 'wasm-workers', 'wasm', 'cpu'],
  batch: 4096,
  steps: 5,
  cwSteps: 200,
  cpuBatch: 64,
  wasmBatch: 1024,
  reference: true,
  referenceEpoch: true,
  profile: 0,
  out: path.join(__dirname, 'results'),
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    const v = argv[++i];
    if (v === undefined) throw new Error(`bench: ${a} needs a value`);
    return v;
  };
  // '--': the end-of-options marker that `pnpm bench -- --profile` passes through
  if (a === '--') continue;
  else if (a === '--backends') opts.backends = next().split(',');
  else if (a === '--batch') opts.batch = Number(next());
  else if (a === '--steps') opts.steps = Number(next());
  else if (a === '--cw-steps') opts.cwSteps = Number(next());
  else if (a === '--cpu-batch') opts.cpuBatch = Number(next());
  else if (a === '--wasm-batch') opts.wasmBatch = Number(next());
  else if (a === '--profile') opts.profile = /^\d+$/.test(argv[i + 1] || '') ? Number(argv[++i]) : 2;
  else if (a === '--no-reference') opts.reference = false;
  else if (a === '--no-reference-epoch') opts.referenceEpoch = false;
  else if (a === '--out') opts.out = path.resolve(next());
  else {
    console.error(
      `bench: unknown option ${a}. Options: --backends a,b --batch N --steps N --cw-steps N --cpu-batch N --wasm-batch N --profile [N] --no-reference --no-reference-epoch --out DIR`,
    );
    process.exit(2);
  }
}

function loadavg() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

const runs = [];
for (const backend of opts.backends) {
  const batch =
    backend === 'cpu' ? opts.cpuBatch : backend === 'wasm' || backend === 'wasm-stock' ? opts.wasmBatch : opts.batch;
  const cw = backend === 'cpu' ? Math.min(opts.cwSteps, 20) : opts.cwSteps;
  process.stderr.write(`bench: ${backend} at batch ${batch} … `);
  const stockOps = backend === 'tensorflow-stock-ops';
  const eagerPasses = backend === 'tensorflow-eager';
  const r = spawnSync(
    process.execPath,
    [
      path.join(__dirname, 'child.cjs'),
      stockOps || eagerPasses ? 'tensorflow' : backend,
      String(batch),
      String(opts.steps),
      String(cw),
      String(backend === 'cpu' ? Math.min(opts.profile, 1) : opts.profile),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: {
        ...process.env,
        TF_CPP_MIN_LOG_LEVEL: '2',
        ...(stockOps ? { LIPNET_FUSED_OPS: '0' } : {}),
        ...(eagerPasses ? { LIPNET_TRAIN_GRAPH: '0' } : {}),
      },
    },
  );
  const line = (r.stdout || '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  let res;
  try {
    res = JSON.parse(line);
  } catch {
    res = {
      backend,
      batch,
      error: `no result (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  res.loadavgAfter = loadavg();
  if (res.backend === 'tensorflow' && typeof res.reason === 'string') {
    res.backend = /fused ops \(GroupSort/.test(res.reason)
      ? eagerPasses
        ? 'tensorflow + fused ops, eager passes (LIPNET_TRAIN_GRAPH=0)'
        : 'tensorflow + fused ops'
      : stockOps
        ? 'tensorflow, stock ops (LIPNET_FUSED_OPS=0)'
        : 'tensorflow, stock ops (fused ops not built)';
  }
  if (batch !== opts.batch && res.msPerStep) res.note = `timed at batch ${batch}; per-epoch figures scale linearly`;
  runs.push(res);
  process.stderr.write(
    res.skipped
      ? `skipped (${res.skipped})\n`
      : res.error
        ? `error: ${res.error}\n`
        : `${(res.msPerStep / 1000).toFixed(2)} s/step, ${res.secondsPerEpoch.toFixed(1)} s/epoch\n`,
  );
}

/** Runs a tools/reference benchmark script in its venv (when set up) and returns its JSON record. */
function pythonReference(label, venv, scriptName, args, setup) {
  const py = path.join(root, `tools/reference/${venv}/bin/python`);
  const script = path.join(root, `tools/reference/${scriptName}`);
  if (!opts.reference) return null;
  if (!fs.existsSync(py) || !fs.existsSync(script)) {
    return {
      skipped: `tools/reference/${venv} not set up: run \`bash tools/reference/${setup}\` for the ${label} side-by-side figures`,
    };
  }
  process.stderr.write(`bench: ${label} (tools/reference/${scriptName}) … `);
  const tmp = path.join(os.tmpdir(), `${venv.replace(/\W/g, '')}-bench-${process.pid}.json`);
  const r = spawnSync(py, [script, '--out', tmp, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  try {
    const out = JSON.parse(fs.readFileSync(tmp, 'utf8'));
    process.stderr.write('done\n');
    return out;
  } catch {
    const error = `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`;
    process.stderr.write(`failed: ${error}\n`);
    return { error };
  }
}

const common = [
  '--batch',
  String(opts.batch),
  '--steps',
  String(opts.steps),
  ...(opts.referenceEpoch ? [] : ['--no-epoch']),
];
const reference = pythonReference(
  'deel-lip 1.5 on TensorFlow CPU',
  '.venv',
  'bench_deel_lip.py',
  [...common, '--attack-steps', String(opts.cwSteps)],
  'setup.sh',
);
// deel-torchlip 1.0.5 and the same network unconstrained, on PyTorch CPU (rows only when its venv exists).
const torchlip = pythonReference(
  'deel-torchlip 1.0.5 and an unconstrained CNN on PyTorch CPU',
  '.venv-torch',
  'bench_torchlip.py',
  common,
  'setup_torch.sh',
);

const date = new Date().toISOString().slice(0, 10) + (opts.profile ? '-profile' : '');
const result = {
  benchmark: 'demo4 network (deel-lip 1.5 normalisers, MulticlassHKR, Adam), batch ' + opts.batch,
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] && os.cpus()[0].model,
    totalMemGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadavgAtEnd: loadavg(),
  },
  floor: {
    gflopPerEpoch: 402,
    note: '1.117 M multiply-adds per image forward, training ≈ 3× forward, 60,000 images (shared/reference/backend-notes.md)',
  },
  runs,
  reference,
  torchlip,
};
fs.mkdirSync(opts.out, { recursive: true });
const jsonPath = path.join(opts.out, `${date}.json`);
fs.writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');

const f = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const refEpoch = deelLipEpoch(reference);

/**
 * Where a compiled training step goes (compileTrainingForward: TensorFlow graph runs on the native backend, direct
 * kernel calls on wasm): its forward and backward passes and the rest (W̄ and its gradient, loss, Adam, JS), as means.
 */
function graphRunLines(rows) {
  return rows
    .filter((r) => typeof r.trainGraphForwardMsPerStep === 'number')
    .map((r) => {
      const fwd = r.trainGraphForwardMsPerStep;
      const bwd = r.trainGraphBackwardMsPerStep;
      const rest = (r.meanMsPerStep ?? r.msPerStep) - fwd - bwd;
      const what = r.backend.startsWith('tensorflow')
        ? "the training graph's forward run"
        : "the kernel pass's forward";
      return `- ${r.backend}: ${what} ${f(fwd, 1)} ms and backward ${f(bwd, 1)} ms per step (means); the rest of the step (W̄ and its gradient, loss, metrics, Adam, JS) ${f(rest, 1)} ms.`;
    });
}

/** The PyTorch rows of the summary: deel-torchlip and the unconstrained twin (s/step, s/epoch). */
function torchlipLines(t) {
  if (!t) return [];
  if (t.error || t.skipped) return [`deel-torchlip reference: ${t.error || t.skipped}.`];
  const row = (name, r) =>
    `- ${name}: ${f(r.msPerStep / 1000)} s/step, ${f(r.epochSeconds ?? r.epochSecondsFromStep, 1)} s/epoch${r.epochSeconds === undefined ? ' (from the step time)' : ''}`;
  return [
    `PyTorch ${t.torch} CPU, ${t.threads} threads, same machine, same run, batch ${t.batch} (JSON: \`torchlip\`):`,
    row('deel-torchlip 1.0.5', t.torchlip),
    row('unconstrained torch CNN of the same shape', t.unconstrained),
  ];
}

const md = [
  `# lipnet benchmark, ${result.date}`,
  '',
  `Machine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.totalMemGB} GB, Node ${result.machine.node}; load average at the end ${result.machine.loadavgAtEnd.join(' / ')}.`,
  `Training: the demo4 network at batch ${opts.batch} (wasm: batch ${opts.wasmBatch}, cpu: batch ${opts.cpuBatch}, per-epoch figures at that batch), the median of ${opts.steps} timed steps after one warm-up. The FLOP floor of an epoch is ≈ ${result.floor.gflopPerEpoch} GFLOP divided by the GEMM rate (the best single 1024² or 2048² product on that backend; for the workers, one thread's rate times their count); × floor = s/epoch over it.`,
  '',
  ...summaryLines(runs, result.floor.gflopPerEpoch, reference, torchlip),
  '',
  '## Every backend',
  '',
  '| backend | s/step | CPU s/step | s/epoch (60,000 images + validation) | train img/s | Lipschitz ms/step | GEMM GFLOP/s | floor s/epoch | × floor | inference img/s | CW s/1000 steps (10 img) | peak RSS MB | tensors warm-up → after |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ...runs.map((r) =>
    r.skipped || r.error
      ? `| ${r.backend} | ${r.skipped ? 'skipped: ' + r.skipped : 'error: ' + r.error} ||||||||||||`
      : `| ${r.backend} | ${f(r.msPerStep / 1000)} | ${f(r.cpuMsPerStep / 1000)} | ${f(r.secondsPerEpoch, 1)} | ${f(r.trainImagesPerSecond, 0)} | ${f(r.lipschitzMsPerStep, 1)} | ${f(r.gemmGflops, 1)} | ${f(result.floor.gflopPerEpoch / r.gemmGflops, 1)} | ${f(r.secondsPerEpoch / (result.floor.gflopPerEpoch / r.gemmGflops), 1)} | ${f(r.inferenceImagesPerSecond, 0)} | ${f(r.cwSecondsPer1000Steps, 1)} | ${r.peakRssMB} | ${r.tensorsAfterWarmup} → ${r.tensorsAfterSteps} |`,
  ),
  '',
  reference && !reference.error && !reference.skipped
    ? `deel-lip 1.5 on TensorFlow CPU, same machine, same run: ${f(refEpoch, 1)} s/epoch${typeof reference.epochSeconds === 'number' ? '' : ' (from the step time)'}. Full figures in the JSON (\`reference\`).`
    : `deel-lip reference: ${reference ? reference.error || reference.skipped : 'not run (--no-reference)'}.`,
  ...torchlipLines(torchlip),
  ...graphRunLines(runs),
  '',
  ...(opts.profile ? ['## Where a training step goes (--profile)', '', ...runs.flatMap(profileMarkdown)] : []),
].join('\n');
fs.writeFileSync(path.join(opts.out, `${date}.md`), md);
console.log(md);
console.log(`written: ${path.relative(process.cwd(), jsonPath)} and .md`);
