#!/usr/bin/env node
/**
 * demo4: deel-lip's "Demo 4: HKR multiclass and fooling" as a command-line
 * program on the @lipnet packages. `pnpm demo4 --help` for the flags.
 */
import { HELP, parseArgs } from './cli';
import { Demo4Error } from './errors';
import { runDemo } from './run-demo';

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
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
