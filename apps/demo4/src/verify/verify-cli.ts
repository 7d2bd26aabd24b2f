/**
 * Flags of `demo4 verify`: which finished run to verify, on how many test
 * images, with which attacks.
 */
import * as path from 'path';
import { BACKEND_NAMES, DEFAULT_OUT } from '../cli';
import { CliError } from '../errors';
import { VERIFY_ATTACK_IDS } from './verify-attacks';

/** Parsed `demo4 verify` options. */
export interface VerifyOptions {
  /** The --out folder of a finished demo4 run (its `model/` is verified). */
  out: string;
  /** The first N test images. */
  images: number;
  /** Attack ids, in run order. */
  attacks: string[];
  backend: string;
  dataDir?: string;
  /** Steps of every attack × this (1: the documented settings; `--quick`: 0.05). */
  scale: number;
  /** Brendel-Bethge's steps (foolbox's default 1000; before `scale`). */
  bbSteps: number;
  /** Seed of the attacks' random starts. */
  seed: number;
  help: boolean;
}

export const VERIFY_HELP = `Usage: pnpm demo4 verify [flags]   (or: node apps/demo4/dist/main.js verify [flags])

Attacks the first N test images with every minimum-norm L2 attack of @lipnet/attacks
(${VERIFY_ATTACK_IDS.join(', ')}) against the exported model of a finished demo4 run, and checks
each proven certificate (from lipschitzUpperBound) and each nominal one ((top1 − top2)/2)
against the distances found: a violation is an adversarial example closer than a certificate.
Writes verify.json and verify.md (the table) into the run folder. Exit code 6 on a violation
of a proven certificate.

Flags:
  --out DIR        the --out folder of the demo4 run (default ${DEFAULT_OUT})
  --images N       attack the first N test images (default 500)
  --attacks LIST   comma-separated subset of ${VERIFY_ATTACK_IDS.join(',')} (default: all, in this order)
  --backend NAME   ${BACKEND_NAMES.join(' | ')} (default auto)
  --data-dir DIR   folder with the Fashion-MNIST IDX files
  --seed N         seed of the attacks' random starts (default 1)
  --bb-steps N     Brendel-Bethge steps (default 1000, foolbox's); it is the slowest attack
                   (2–6 ms per image and step on 2 busy cores), fewer steps only weaken it
  --quick          every attack with 5 % of its steps (a smoke test, not a verification)
  --help           this text`;

function integer(flag: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined || !/^\d+$/.test(raw.trim()))
    throw new CliError(`demo4 verify: ${flag} expects an integer, got ${JSON.stringify(raw)}. Example: ${flag} 500.`);
  const v = Number(raw);
  if (v < min || v > max) throw new CliError(`demo4 verify: ${flag} must be between ${min} and ${max}, got ${v}.`);
  return v;
}

function attackList(raw: string | undefined): string[] {
  const ids = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = ids.filter((i) => !VERIFY_ATTACK_IDS.includes(i));
  if (ids.length === 0 || unknown.length)
    throw new CliError(
      `demo4 verify: --attacks expects a comma-separated list of ${VERIFY_ATTACK_IDS.join(', ')}; got ${JSON.stringify(raw)}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}.`,
    );
  return VERIFY_ATTACK_IDS.filter((i) => ids.includes(i)); // run order
}

/** Parses the arguments after `verify`. Throws {@link CliError} (exit code 2) on a bad flag. */
export function parseVerifyArgs(argv: string[]): VerifyOptions {
  const o: VerifyOptions = {
    out: DEFAULT_OUT,
    images: 500,
    attacks: [...VERIFY_ATTACK_IDS],
    backend: 'auto',
    scale: 1,
    bbSteps: 1000,
    seed: 1,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i]);
    if (flag === '--') continue;
    else if (flag === '--out') o.out = path.resolve(value() ?? '');
    else if (flag === '--images') o.images = integer(flag, value(), 1, 10000);
    else if (flag === '--attacks') o.attacks = attackList(value());
    else if (flag === '--backend') o.backend = value() ?? '';
    else if (flag === '--data-dir') o.dataDir = value();
    else if (flag === '--seed') o.seed = integer(flag, value(), 0, 0xffffffff);
    else if (flag === '--bb-steps') o.bbSteps = integer(flag, value(), 1, 100000);
    else if (flag === '--quick') o.scale = 0.05;
    else if (flag === '--help' || flag === '-h') o.help = true;
    else throw new CliError(`demo4 verify: unknown flag ${JSON.stringify(flag)}. See demo4 verify --help.`);
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(o.backend))
    throw new CliError(
      `demo4 verify: --backend must be one of ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(o.backend)}.`,
    );
  return o;
}
