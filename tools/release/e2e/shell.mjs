// Running commands for the release test: each one timed, its output kept and shown only on failure.
import { spawnSync } from 'node:child_process';

const start = Date.now();

/** Prints a step header with the seconds since the test started (the CI log's timeline). */
export function step(msg) {
  console.log(`\n--- [${((Date.now() - start) / 1000).toFixed(0)}s] ${msg}`);
}

/** Runs `cmd args` in `cwd` with `env` added; throws with its output if it fails. Returns {stdout, seconds}. */
export function run(cmd, args, { cwd, env = {}, quiet = true } = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: quiet ? 'pipe' : 'inherit',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.status !== 0) {
    if (quiet) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(
      `failed (exit ${r.status ?? r.signal}) after ${seconds.toFixed(1)} s: ${cmd} ${args.join(' ')} (in ${cwd})`,
    );
  }
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds };
}
