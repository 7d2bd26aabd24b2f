#!/usr/bin/env node
/**
 * demo4: deel-lip's "Demo 4: HKR multiclass and fooling" as a command-line
 * program on the @lipnet packages. `pnpm demo4 --help` for the flags;
 * `pnpm demo4 verify --help` for the verification of a finished run.
 */
import { HELP, parseArgs } from './cli';
import { Demo4Error } from './errors';
import { runDemo } from './run-demo';
import { runVerify } from './verify/run-verify';
import { parseVerifyArgs, VERIFY_HELP } from './verify/verify-cli';

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((a, i, all) => !(a === '--' && i === 0 && all[1] === 'verify'));
  if (argv[0] === 'verify') {
    const v = parseVerifyArgs(argv.slice(1));
    if (v.help) {
      process.stdout.write(`${VERIFY_HELP}\n`);
      return 0;
    }
    return runVerify(v);
  }
  const opts = parseArgs(argv);
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  return runDemo(opts);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof Demo4Error) {
      process.stderr.write(`\n${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`\ndemo4: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
