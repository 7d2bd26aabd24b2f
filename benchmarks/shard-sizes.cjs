#!/usr/bin/env node
/**
 * `node benchmarks/shard-sizes.cjs [--batches 256,512,1024,2048] [--steps 3]`:
 * one wasm thread's training step of the demo4 network at several batch sizes —
 * the shard a data-parallel worker runs — as CPU ms per image (this process's CPU
 * time, which other load on the machine inflates less than wall time) and peak
 * RSS, to choose shard and micro-batch sizes from measurement. Writes
 * benchmarks/results/<date>-shards.{json,md}. A benchmark: it asserts nothing.
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
for (const a of argv) {
  if (a.startsWith('--') && a !== '--batches' && a !== '--steps') {
    console.error(`shard-sizes: unknown option ${a}. Options: --batches 256,512,1024,2048 --steps 3`);
    process.exit(2);
  }
}
const batches = opt('--batches', '256,512,1024,2048').split(',').map(Number);
const steps = Number(opt('--steps', '3'));

const rows = [];
for (const batch of batches) {
  const load = os.loadavg()[0];
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, 'child.cjs'), 'wasm', String(batch), String(steps), '0'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const line = (r.stdout || '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  const res = line ? JSON.parse(line) : { error: (r.stderr || '').trim().split('\n').slice(-2).join(' | ') };
  const row = {
    batch,
    loadavgBefore: Math.round(load * 100) / 100,
    cpuMsPerImage: res.cpuMsPerStep ? res.cpuMsPerStep / batch : undefined,
    wallMsPerImage: res.msPerStep ? res.msPerStep / batch : undefined,
    peakRssMB: res.peakRssMB,
    error: res.error,
  };
  rows.push(row);
  process.stderr.write(`shard-sizes: batch ${batch}: ${row.error ?? `${row.cpuMsPerImage.toFixed(3)} CPU ms/image`}\n`);
}
const date = new Date().toISOString().slice(0, 10);
const out = path.join(__dirname, 'results');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(
  path.join(out, `${date}-shards.json`),
  JSON.stringify({ date: new Date().toISOString(), steps, rows }, null, 2) + '\n',
);
const f = (v, d) => (typeof v === 'number' ? v.toFixed(d) : '—');
const md = [
  `# One wasm thread, demo4 network, by batch (${new Date().toISOString()})`,
  '',
  `${steps} timed steps after a warm-up, each batch in its own process. CPU ms per image is the process's CPU time per step over the batch.`,
  '',
  '| batch (shard) | CPU ms/image | wall ms/image | peak RSS MB | load average before |',
  '|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.batch} | ${f(r.cpuMsPerImage, 3)} | ${f(r.wallMsPerImage, 3)} | ${r.peakRssMB ?? '—'} | ${r.loadavgBefore} |`,
  ),
  '',
].join('\n');
fs.writeFileSync(path.join(out, `${date}-shards.md`), md);
console.log(md);
