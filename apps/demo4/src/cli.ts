/**
 * Command-line flags of demo4. Defaults are the notebook's (100 epochs, batch 4096,
 * C&W with 6 binary-search steps × 8000 steps).
 */
import * as path from 'path';
import { BACKEND_NAMES as LIB_BACKENDS } from '@lipnet/backend';
import type { ConvNormalization } from '@lipnet/layers';
import { CliError } from './errors';

/** Parsed options. */
export interface CliOptions {
  epochs: number;
  batchSize: number;
  /** First N training images; undefined = all 60,000. */
  trainLimit?: number;
  /** Validate on the first N test images; undefined = all 10,000. */
  valLimit?: number;
  /** Images per forward/backward chunk of a training step; undefined = auto (1024 on wasm, else the whole batch). */
  microBatch?: number;
  /** Worker threads that train data-parallel; undefined = auto (wasm: one per core when ≥ 2, else none), 1 = in the main thread. */
  workers?: number;
  attackSteps: number;
  binarySearchSteps: number;
  /** Backend name, or `auto`. */
  backend: string;
  /** How the convolutions are normalised (`convNormalization` of @lipnet/layers); the notebook's is 'deel-lip'. */
  convNormalization: ConvNormalization;
  dataDir?: string;
  /** Absolute output folder. */
  out: string;
  seed: number;
  resume: boolean;
  /** Start a new run even where `--out` holds an unfinished one (its files are replaced). */
  restart: boolean;
  /** The {@link QUICK} preset (flags given explicitly win). */
  quick: boolean;
  download: boolean;
  help: boolean;
  /** Which flags were given explicitly (for resume conflicts). */
  explicit: Set<string>;
}

/** The default output folder: `apps/demo4/out` (next to `dist/`), whatever the working directory. */
export const DEFAULT_OUT = path.resolve(__dirname, '..', 'out');

/** Values of `--conv-normalization`. */
export const CONV_NORMALIZATIONS: readonly ConvNormalization[] = ['deel-lip', 'strict', 'exact'];

/** Backends the `--backend` flag accepts. */
export const BACKEND_NAMES = ['auto', ...LIB_BACKENDS] as const;

export const DEFAULTS = {
  epochs: 100,
  batchSize: 4096,
  attackSteps: 8000,
  binarySearchSteps: 6,
  backend: 'auto',
  convNormalization: 'deel-lip' as ConvNormalization,
  seed: 1,
} as const;

/**
 * `--quick`: the whole pipeline in about a minute on the default backend (wasm
 * on 2 cores): 3 epochs on 12,000 images at batch 256 reach ≈ 0.72 validation
 * accuracy, enough for a correctly classified image of all ten classes among
 * the first 300 test images, each certified and attacked (C&W 6 × 250 steps: the 6 binary-search steps
 * raise the constant from 1e-3 to 1e2 as the notebook's do; with 3 the attack finds no adversarial).
 */
export const QUICK = {
  trainLimit: 12000,
  batchSize: 256,
  epochs: 3,
  valLimit: 2000,
  attackSteps: 250,
  binarySearchSteps: 6,
} as const;

export const HELP = `Usage: pnpm demo4 [flags]      (or, once built: node apps/demo4/dist/main.js [flags])

Reproduces deel-lip's "Demo 4: HKR multiclass and fooling" on Fashion-MNIST with
the @lipnet packages: trains the notebook's Lipschitz network with MulticlassHKR,
exports it, computes robustness certificates and checks them with a
Carlini-Wagner L2 attack. Defaults are the notebook's.

Flags:
  --epochs N               training epochs (default ${DEFAULTS.epochs})
  --batch-size N           batch size (default ${DEFAULTS.batchSize})
  --train-limit N          train on the first N of the 60,000 images (default: all)
  --val-limit N            validate on the first N of the 10,000 test images (default: all)
  --micro-batch N          compute each step's full-batch gradient in chunks of N images (same result,
                           less memory; default: 1024 on wasm, whose 4 GB heap cannot hold batch 4096,
                           else the whole batch)
  --workers N              train on N worker threads, each with its own backend, exact full-batch
                           gradient (default on wasm: one per CPU core when there are ≥ 2, at most 8,
                           shards of ≤ 2048 images; elsewhere 1, the backend's own threads)
  --attack-steps N         C&W steps per binary-search step (default ${DEFAULTS.attackSteps})
  --binary-search-steps N  C&W binary-search steps (default ${DEFAULTS.binarySearchSteps})
  --backend NAME           ${BACKEND_NAMES.join(' | ')} (default auto: the fastest that loads;
                           LIPNET_BACKEND overrides auto)
  --conv-normalization M   how each convolution's kernel is normalised: deel-lip (default, the notebook's:
                           deel-lip 1.x's factor for zero padding, which can leave a conv a few % above
                           1-Lipschitz), strict (the provable 1/√(kh·kw), deel-torchlip's) or exact (the conv
                           operator's own norm on its input size, by Lanczos; certified at export).
                           Whatever the mode, the certificates reported come from the proven bound
  --data-dir DIR           folder with the four Fashion-MNIST IDX files (.gz or raw)
  --out DIR                output folder (default apps/demo4/out, i.e. ${DEFAULT_OUT})
  --seed N                 seed for initialisation and shuffling (default ${DEFAULTS.seed})
  --resume                 continue the run saved in --out (run.json, checkpoint.bin); stages already
                           finished are reused
  --restart                start a new run even where --out holds an unfinished one (replaced)
  --quick                  the whole pipeline in about a minute: --train-limit ${QUICK.trainLimit} --batch-size ${QUICK.batchSize}
                           --epochs ${QUICK.epochs} --val-limit ${QUICK.valLimit} --attack-steps ${QUICK.attackSteps}
                           --binary-search-steps ${QUICK.binarySearchSteps} (flags given too win); all ten classes
                           certified and attacked
  --no-download            do not try to download Fashion-MNIST when it is not found
  --help                   this text

Data is searched in: --data-dir, $FASHION_MNIST_DIR, ~/.keras/datasets/fashion-mnist,
/usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist), then
~/.cache/lipnet/fashion-mnist (where a download goes).

Outputs in --out: run.json (options, finished stages and their outputs' hashes),
checkpoint.bin + checkpoint.prev.bin, model/ (vanilla export, TF.js format), attack.json,
results.json + results.schema.json, training_curves.png/.svg, adversarial_viz.png/.svg,
robust_accuracy.png/.svg, report.html (interactive, every figure and the results tables; works offline).
One run at a time per --out (demo4.lock names the run that holds it).

Verify a finished run with every minimum-norm L2 attack: pnpm demo4 verify --help

Quick run (what CI runs): pnpm demo4 --quick
Exit codes: 0 ok, 2 bad flag, 3 data, 4 output folder, 5 checkpoint,
6 a certificate not below its attack distance, 7 backend unavailable, 8 a training worker failed,
130, 143, 129 stopped by SIGINT, SIGTERM, SIGHUP (a checkpoint is saved; resume with --resume).`;

const INT_FLAGS = {
  '--epochs': 'epochs',
  '--batch-size': 'batchSize',
  '--train-limit': 'trainLimit',
  '--val-limit': 'valLimit',
  '--micro-batch': 'microBatch',
  '--workers': 'workers',
  '--attack-steps': 'attackSteps',
  '--binary-search-steps': 'binarySearchSteps',
  '--seed': 'seed',
} as const;
const STRING_FLAGS = {
  '--backend': 'backend',
  '--conv-normalization': 'convNormalization',
  '--data-dir': 'dataDir',
  '--out': 'out',
} as const;
const BOOL_FLAGS = {
  '--resume': 'resume',
  '--restart': 'restart',
  '--quick': 'quick',
  '--help': 'help',
  '-h': 'help',
  '--no-download': 'download',
} as const;
const ALL_FLAGS = [...Object.keys(INT_FLAGS), ...Object.keys(STRING_FLAGS), ...Object.keys(BOOL_FLAGS)];

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function parseInteger(flag: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v)) {
    throw new CliError(
      `demo4: ${flag} expects an integer, got ${JSON.stringify(raw)}. Example: ${flag} ${min === 0 ? 0 : 10}.`,
    );
  }
  if (v < min) throw new CliError(`demo4: ${flag} must be ≥ ${min}, got ${v}.`);
  return v;
}

/** The error for a flag that is not one of demo4's, naming the closest one. */
function unknownFlag(arg: string, flag: string): CliError {
  const near = ALL_FLAGS.map((f) => [f, editDistance(flag, f)] as const).sort((a, b) => a[1] - b[1])[0];
  const hint = near && near[1] <= 3 ? ` Did you mean ${near[0]}?` : '';
  const what = arg.startsWith('-')
    ? `unknown flag ${JSON.stringify(flag)}`
    : `unexpected argument ${JSON.stringify(arg)}`;
  return new CliError(`demo4: ${what}.${hint} See --help.`);
}

/** Refuses parsed values out of range (backend, conv normalisation, seed, limits). */
function checkValues(o: CliOptions): void {
  if (!(BACKEND_NAMES as readonly string[]).includes(o.backend)) {
    throw new CliError(
      `demo4: --backend must be one of ${BACKEND_NAMES.join(', ')}; got ${JSON.stringify(o.backend)}.`,
    );
  }
  if (!CONV_NORMALIZATIONS.includes(o.convNormalization)) {
    throw new CliError(
      `demo4: --conv-normalization must be one of ${CONV_NORMALIZATIONS.join(', ')}; got ${JSON.stringify(o.convNormalization)}.`,
    );
  }
  if (o.seed > 0xffffffff) throw new CliError(`demo4: --seed must be < 2^32, got ${o.seed}.`);
  if (o.trainLimit !== undefined && o.trainLimit > 60000) {
    throw new CliError(
      `demo4: --train-limit ${o.trainLimit} is more than the 60000 training images. Omit it to use all.`,
    );
  }
  if (o.valLimit !== undefined && o.valLimit > 10000) {
    throw new CliError(`demo4: --val-limit ${o.valLimit} is more than the 10000 test images. Omit it to use all.`);
  }
}

/** Parses `argv` (without `node` and the script). Throws {@link CliError} with a clear message. */
export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = {
    ...DEFAULTS,
    out: DEFAULT_OUT,
    resume: false,
    restart: false,
    quick: false,
    download: true,
    help: false,
    explicit: new Set(),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue; // end-of-options marker some runners pass through (`pnpm demo4 -- --help`)
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new CliError(
          `demo4: ${flag} needs a value, e.g. ${flag} ${flag in INT_FLAGS ? '10' : 'VALUE'}. See --help.`,
        );
      }
      i += 1;
      return next;
    };
    if (flag in INT_FLAGS) {
      const key = INT_FLAGS[flag as keyof typeof INT_FLAGS];
      const min = key === 'seed' ? 0 : 1;
      (o as unknown as Record<string, number>)[key] = parseInteger(flag, value(), min);
      o.explicit.add(key);
    } else if (flag in STRING_FLAGS) {
      const key = STRING_FLAGS[flag as keyof typeof STRING_FLAGS];
      const v = value();
      if (v.trim() === '') throw new CliError(`demo4: ${flag} needs a non-empty value.`);
      (o as unknown as Record<string, string>)[key] = v;
      o.explicit.add(key);
    } else if (flag in BOOL_FLAGS) {
      if (inline !== undefined) throw new CliError(`demo4: ${flag} takes no value, got ${JSON.stringify(arg)}.`);
      const key = BOOL_FLAGS[flag as keyof typeof BOOL_FLAGS];
      (o as unknown as Record<string, boolean>)[key] = key !== 'download';
      o.explicit.add(key);
    } else {
      throw unknownFlag(arg, flag);
    }
  }
  checkValues(o);
  if (o.quick)
    for (const [k, v] of Object.entries(QUICK)) if (!o.explicit.has(k)) (o as unknown as Record<string, number>)[k] = v;
  if (o.resume && o.restart)
    throw new CliError(
      'demo4: --resume and --restart contradict each other: pass --resume to continue, --restart to start over.',
    );
  o.out = path.resolve(o.out);
  return o;
}
