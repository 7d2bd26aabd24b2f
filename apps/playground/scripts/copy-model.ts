/**
 * Ships a demo4 model with the playground: copies `<from>/model/model.json` and
 * `weights.bin` (demo4's vanilla export, TF.js layers format) into
 * `public/model/`, with `provenance.json` taken from `<from>/results.json`
 * (command line, backend, final metrics, certificate check, versions).
 *
 * Usage: pnpm --filter playground model --from <demo4 --out folder>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFlags } from './flags';

interface Demo4Results {
  commandLine?: string[];
  finishedAt?: string;
  backend?: { name?: string; tfBackend?: string };
  versions?: Record<string, string>;
  training?: { final?: Record<string, number>; hyperparameters?: unknown };
  check?: { respected?: number; total?: number; text?: string };
  timings?: { total?: number };
  export?: { layers?: string[] };
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), { from: 'string' }, 'copy-model');
  const from = flags.from as string | undefined;
  if (!from) {
    console.error('copy-model: pass --from <folder>, the --out of a finished `pnpm demo4` run.');
    process.exit(2);
  }
  const src = path.resolve(from);
  const need = ['model/model.json', 'model/weights.bin', 'results.json'].map((f) => path.join(src, f));
  const missing = need.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    console.error(`copy-model: ${missing.join(', ')} not found; is ${src} the --out folder of a finished demo4 run?`);
    process.exit(3);
  }
  const r = JSON.parse(fs.readFileSync(path.join(src, 'results.json'), 'utf8')) as Demo4Results;
  const out = path.resolve('public/model');
  const repoRoot = path.resolve('../..');
  fs.mkdirSync(out, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) fs.copyFileSync(path.join(src, 'model', f), path.join(out, f));
  const provenance = {
    producedBy: 'apps/demo4 (deel-lip Demo 4 on Fashion-MNIST), vanilla export in TF.js layers format',
    // paths inside the repository as the command was typed from its root
    command: r.commandLine
      ? `pnpm demo4 ${r.commandLine.map((a) => a.split(repoRoot + path.sep).join('')).join(' ')}`
      : undefined,
    finishedAt: r.finishedAt,
    backend: r.backend,
    totalSeconds: r.timings?.total,
    final: r.training?.final,
    hyperparameters: r.training?.hyperparameters,
    certificateCheck: r.check ? { respected: r.check.respected, total: r.check.total } : undefined,
    exportedLayers: r.export?.layers,
    versions: r.versions,
    copiedBy: 'pnpm --filter playground model --from <out> (apps/playground/scripts/copy-model.ts)',
  };
  fs.writeFileSync(path.join(out, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
  console.log(`copy-model: ${src}/model → ${out} (+ provenance.json)`);
}

main();
