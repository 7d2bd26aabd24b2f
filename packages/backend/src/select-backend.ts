/**
 * Picks the best TensorFlow.js backend this machine can run, in order:
 * `@tensorflow/tfjs-node-gpu` (TensorFlow's own kernels on CUDA), then
 * `@tensorflow/tfjs-node` (TensorFlow's multi-threaded CPU kernels), then the
 * WebAssembly backend with lipnet's training kernels, then the pure-JS `cpu`
 * backend. `LIPNET_BACKEND` (or `prefer`) forces one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, UnknownBackendError } from './errors';
import { wasmDistDir } from './wasm-paths';
import { configureRelaxedSimd } from './relaxed-simd';
import { applyBackendFlags } from './backend-flags';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm-kernels/register';
import { registerNativeTrainingKernels } from './native-kernels';
import { addonFile } from './addon-file';
import { registerNativeFusedOps, unregisterNativeFusedOps, type NativeFusedOpsStatus } from './native-fused-ops';
import { registerNativeCwStep, unregisterNativeCwStep } from './tf-graph/native-cw-step';
import { registerNativeTraining, unregisterNativeTraining } from './tf-graph/native-training-forward';
import { installMovedShapeFix } from './native-moved-shapes';

/**
 * Names accepted by `prefer` / `LIPNET_BACKEND`:
 * - `tensorflow`: tfjs-node-gpu or tfjs-node, whichever loads (registered as tfjs' `tensorflow`);
 * - `tensorflow-gpu`: tfjs-node-gpu only;
 * - `wasm`: WebAssembly + SIMD with lipnet's training kernels;
 * - `wasm-stock`: WebAssembly with tfjs' kernels only (cannot train convolutions: for comparisons);
 * - `cpu`: pure JavaScript;
 * - `auto` (or empty): the automatic order.
 */
export const BACKEND_NAMES = ['tensorflow', 'tensorflow-gpu', 'wasm', 'wasm-stock', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend that was tried and passed over. */
export interface SkippedBackend {
  /** lipnet's name of the candidate (`tensorflow-gpu`, `tensorflow`, `wasm`, `cpu`). */
  name: string;
  /** npm package that provides it. */
  package: string;
  /** Why it cannot be used here. */
  reason: string;
  /** What to do to make it usable. */
  fix: string;
}

/** The result of {@link selectBackend}: the active tfjs backend after `tf.ready()`. */
export interface BackendChoice {
  /** lipnet's name of the chosen candidate. */
  name: BackendName;
  /** `tf.getBackend()` after the choice (`tensorflow`, `wasm` or `cpu`). */
  tfBackend: string;
  /** npm package providing it. */
  package: string;
  /** One line on why this one (forced or the first that works) and what it runs. */
  reason: string;
  /** Candidates tried before it, in order. */
  skipped: SkippedBackend[];
  /** True when `prefer` / `LIPNET_BACKEND` named it. */
  forced: boolean;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Forces a backend (takes precedence over `LIPNET_BACKEND`). */
  prefer?: string;
  /** Receives one line per skipped backend and one for the chosen one (default: console.error). `null` silences. */
  log?: ((line: string) => void) | null;
  /**
   * Environment to read `LIPNET_BACKEND`, `LIPNET_RELAXED_SIMD` and `LIPNET_FRUGAL_BACKPROP` from (default
   * `process.env`). The last two are switches (1, the default, or 0): relaxed SIMD in lipnet's wasm kernels,
   * and tf.engine()'s frugal backward pass (the same gradients, memory freed during the pass).
   */
  env?: Record<string, string | undefined>;
  /**
   * Loads a native package (default: `require`). Tests inject a loader that
   * throws to exercise the messages a machine without the addon gives.
   */
  loadNative?: (pkg: string) => unknown;
}

interface Candidate {
  name: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'wasm-stock' | 'cpu';
  package: string;
}

const AUTO_ORDER: Candidate[] = [
  { name: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', package: '@tensorflow/tfjs-node' },
  { name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', package: '@tensorflow/tfjs-backend-cpu' },
];

const NATIVE_FIX =
  'Run `pnpm native:setup` (bash tools/native/setup.sh: builds the tfjs-node binding against the TensorFlow libraries of the PyPI wheel, no libtensorflow download), ' +
  'or on a machine with internet allow its install script (`allowBuilds` in pnpm-workspace.yaml) and reinstall';
const GPU_FIX =
  'On a CUDA machine with an NVIDIA driver: `bash tools/native/setup.sh gpu` (the same route with the CUDA wheel and its nvidia-* libraries)';

class Skip extends Error {
  constructor(
    readonly reason: string,
    readonly fix: string,
  ) {
    super(reason);
    this.name = 'Skip';
  }
}

function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Skip(
      `${pkg} is not installed (it is an optional dependency)`,
      `Install it: \`pnpm install\` with optional dependencies enabled`,
    );
  }
}

/** The addon file node-pre-gyp would load (lib/napi-v<N>/tfjs_binding.node), if built. */
const bindingFile = (dir: string): string | undefined => addonFile(dir, 'tfjs_binding.node');

/** Refuses a native package whose @tensorflow/tfjs would bring a second tfjs-core (kernels and classes live per copy). */
function assertSingleCore(dir: string, pkg: string): void {
  const ours = require.resolve('@tensorflow/tfjs-core');
  let theirs: string;
  try {
    const tfjsDir = path.dirname(require.resolve('@tensorflow/tfjs/package.json', { paths: [dir] }));
    theirs = require.resolve('@tensorflow/tfjs-core', { paths: [tfjsDir] });
  } catch {
    throw new Skip(`${pkg} cannot resolve its @tensorflow/tfjs dependency`, 'Reinstall: `pnpm install`');
  }
  if (fs.realpathSync(theirs) !== fs.realpathSync(ours)) {
    throw new Skip(
      `${pkg} would load a second copy of @tensorflow/tfjs-core (${theirs}, ours is ${ours}); its backend would register on the other copy`,
      'Pin every @tensorflow/* package to the same version (the `catalog:` in pnpm-workspace.yaml) and reinstall',
    );
  }
}

function explainNativeError(err: unknown, gpu: boolean): Skip {
  const msg = err instanceof Error ? err.message : String(err);
  if (/native addon module|tfjs_binding\.node/.test(msg)) {
    return new Skip(
      'native addon not built (libtensorflow could not be downloaded at install)',
      gpu ? GPU_FIX : NATIVE_FIX,
    );
  }
  const lib = /(lib[\w.+-]+\.so[\w.]*)/.exec(msg)?.[1];
  if (lib && /cannot open shared object|No such file/.test(msg)) {
    const cuda = /cu|nv/i.test(lib);
    return new Skip(
      `its addon could not load ${lib}${cuda ? ' (CUDA runtime not found)' : ''}`,
      cuda || gpu ? GPU_FIX : NATIVE_FIX,
    );
  }
  const firstLine = msg.split('\n')[0] ?? msg;
  return new Skip(`loading it failed: ${firstLine}`, gpu ? GPU_FIX : NATIVE_FIX);
}

async function activate(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** LIPNET_CW_GRAPH and LIPNET_TRAIN_GRAPH as read by the last selectBackend call. */
let cwGraphWanted = true;
let trainGraphWanted = true;

/** Which native package registered 'tensorflow' through this module, if any. */
let loadedNative: string | undefined;

async function tryNative(c: Candidate, loadNative: (pkg: string) => unknown): Promise<string> {
  const gpu = c.name === 'tensorflow-gpu';
  if (tf.findBackendFactory('tensorflow')) {
    // Already registered in this process (by us, or by code that required a native package itself).
    const owner = loadedNative ?? '@tensorflow/tfjs-node';
    if (owner !== c.package) {
      throw new Skip(
        `${owner} is already loaded in this process and owns the 'tensorflow' backend`,
        `Start a fresh process to use ${c.package}`,
      );
    }
    if (!(await activate('tensorflow')))
      throw new Skip(`the 'tensorflow' backend failed to initialise`, gpu ? GPU_FIX : NATIVE_FIX);
    return describeNative(gpu, owner);
  }
  const dir = packageDir(c.package);
  if (loadNative === defaultLoad) {
    if (!bindingFile(dir)) {
      // Requiring it anyway would register its kernels before failing (noisy and useless).
      throw new Skip(
        'native addon not built (libtensorflow could not be downloaded at install)',
        gpu ? GPU_FIX : NATIVE_FIX,
      );
    }
    assertSingleCore(dir, c.package);
  }
  if (process.env['TF_CPP_MIN_LOG_LEVEL'] === undefined) process.env['TF_CPP_MIN_LOG_LEVEL'] = '2';
  try {
    loadNative(c.package);
  } catch (err) {
    throw explainNativeError(err, gpu);
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Skip(
      `${c.package} loaded but registered no 'tensorflow' backend on our tfjs-core`,
      'Check that a single @tensorflow/tfjs-core is installed (`pnpm -r ls @tensorflow/tfjs-core`)',
    );
  }
  loadedNative = c.package;
  if (!(await activate('tensorflow'))) {
    throw new Skip(`the 'tensorflow' backend failed to initialise`, gpu ? GPU_FIX : NATIVE_FIX);
  }
  return describeNative(gpu, c.package);
}

/**
 * Registers lipnet's kernels for 'tensorflow' (Step; on a CPU device also the
 * fused ops, which have no GPU kernels) and describes the backend.
 */
function describeNative(gpu: boolean, pkg: string): string {
  registerNativeTrainingKernels();
  // Tensors reshaped on another backend keep their own shape here (native-moved-shapes.ts).
  installMovedShapeFix(tf.backend());
  const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  let fused: string;
  if (onGpu) {
    unregisterNativeFusedOps();
    fused = "stock GroupSort, pooling and Björck (lipnet's fused ops are CPU-only)";
  } else {
    let status: NativeFusedOpsStatus;
    try {
      status = registerNativeFusedOps(packageDir(pkg));
    } catch (err) {
      status = { registered: false, reason: (err as Error).message };
    }
    // C&W steps as one TensorFlow graph (tf-graph/native-cw-step.ts) where the fused ops are; LIPNET_CW_GRAPH=0: eager.
    const cwGraph = status.registered && cwGraphWanted && registerNativeCwStep(packageDir(pkg));
    if (!cwGraph) unregisterNativeCwStep();
    // Training passes as graph runs for the models compileTrainingForward takes; LIPNET_TRAIN_GRAPH=0: eager.
    const trainGraph = status.registered && trainGraphWanted && registerNativeTraining(packageDir(pkg));
    if (!trainGraph) unregisterNativeTraining();
    const graphs = [cwGraph ? 'C&W steps as one graph' : '', trainGraph ? 'training passes as graphs' : ''];
    fused = status.registered
      ? `lipnet's fused ops (GroupSort(2), L2 pooling, Björck)${graphs
          .filter(Boolean)
          .map((s) => `, ${s}`)
          .join('')}`
      : `stock GroupSort, pooling and Björck: ${status.reason}`;
  }
  if (gpu)
    return `TensorFlow C library kernels, CUDA device ${onGpu ? 'in use' : 'NOT found (running on CPU)'}, lipnet's Step, ${fused}`;
  return `TensorFlow C library kernels (multi-threaded CPU), lipnet's Step, ${fused}`;
}

function defaultLoad(pkg: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional backend package, present or not at run time
  return require(pkg);
}

async function tryWasm(withKernels: boolean, relaxedSetting: 'on' | 'off'): Promise<string> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer: loaded only when the wasm backend is tried
    wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new Skip(
      `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}`,
      'Reinstall: `pnpm install`',
    );
  }
  let dir: string;
  try {
    dir = wasmDistDir();
  } catch (err) {
    throw new Skip((err as Error).message, 'Reinstall: `pnpm install`');
  }
  if (tf.engine().registry['wasm'] === undefined) {
    try {
      wasm.setWasmPaths(dir);
    } catch {
      // Already initialised earlier in this process: the paths no longer matter.
    }
  }
  const relaxed = withKernels ? `, ${configureRelaxedSimd(relaxedSetting)}` : '';
  if (withKernels) registerWasmTrainingKernels();
  else unregisterWasmTrainingKernels();
  if (!(await activate('wasm'))) {
    throw new Skip(
      `the WebAssembly module did not initialise from ${dir}`,
      'Check that Node ≥ 18 runs WebAssembly and that the .wasm files are readable',
    );
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `WebAssembly${simd ? ' + SIMD' : ''}, 1 thread, ${withKernels ? "lipnet's training kernels" : 'stock kernels only (no Conv2DBackpropFilter)'}${relaxed}`;
}

async function tryCpu(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer: registers the cpu backend only when it is chosen
  require('@tensorflow/tfjs-backend-cpu');
  if (!(await activate('cpu'))) throw new Skip('the cpu backend failed to initialise', 'Reinstall: `pnpm install`');
  // Its first-use banner ("install our node backend") repeats what the log line above says.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
  return 'pure JavaScript (exact, very slow for training)';
}

async function attempt(
  c: Candidate,
  loadNative: (pkg: string) => unknown,
  relaxedSetting: 'on' | 'off',
): Promise<string> {
  switch (c.name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(c, loadNative);
    case 'wasm':
      return tryWasm(true, relaxedSetting);
    case 'wasm-stock':
      return tryWasm(false, relaxedSetting);
    case 'cpu':
      return tryCpu();
  }
}

/**
 * Chooses and activates a backend, then awaits `tf.ready()`.
 *
 * Automatic order: tensorflow-gpu → tensorflow → wasm (lipnet kernels) → cpu.
 * Each native package is required inside try/catch (pnpm leaves an optional
 * dependency linked even when its addon was never built); its addon file and
 * its tfjs-core (must be ours) are checked first. Logs one line per skipped
 * backend with the reason and the fix, and one for the chosen one.
 *
 * Forcing (`prefer`, else `LIPNET_BACKEND`): an unknown name throws
 * {@link UnknownBackendError}; a known but unavailable one throws
 * {@link BackendUnavailableError} naming the backend, the reason and the fix
 * (no silent fallback). `tensorflow` accepts either native package.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const env = options.env ?? process.env;
  const log = options.log === undefined ? (line: string) => console.error(line) : options.log;
  const loadNative = options.loadNative ?? defaultLoad;
  const { relaxedSetting, cwGraph, trainGraph } = applyBackendFlags(env);
  cwGraphWanted = cwGraph;
  trainGraphWanted = trainGraph;
  const source = options.prefer !== undefined ? 'the `prefer` option' : 'LIPNET_BACKEND';
  const raw = (options.prefer ?? env['LIPNET_BACKEND'] ?? '').trim().toLowerCase();
  const forced = raw !== '' && raw !== 'auto';
  if (forced && !(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new UnknownBackendError(raw, [...BACKEND_NAMES, 'auto'], source);
  }
  let order: Candidate[];
  if (!forced) order = AUTO_ORDER;
  else if (raw === 'tensorflow') order = AUTO_ORDER.slice(0, 2);
  else if (raw === 'wasm-stock') order = [{ name: 'wasm-stock', package: '@tensorflow/tfjs-backend-wasm' }];
  else order = AUTO_ORDER.filter((c) => c.name === raw);

  const skipped: SkippedBackend[] = [];
  for (const c of order) {
    try {
      const what = await attempt(c, loadNative, relaxedSetting);
      const name: BackendName = c.name;
      const reason = forced
        ? `forced by ${source}: ${what}`
        : `${skipped.length === 0 ? 'first choice' : 'first available'}: ${what}`;
      log?.(`[lipnet] backend: ${name} (tf backend '${tf.getBackend()}', ${c.package}) — ${reason}`);
      return { name, tfBackend: tf.getBackend(), package: c.package, reason, skipped, forced };
    } catch (err) {
      const skip =
        err instanceof Skip
          ? err
          : new Skip(`unexpected failure: ${(err as Error)?.message ?? String(err)}`, 'Report this with the log above');
      skipped.push({ name: c.name, package: c.package, reason: skip.reason, fix: skip.fix });
      log?.(`[lipnet] backend ${c.name} skipped (${c.package}): ${skip.reason}. Fix: ${skip.fix}.`);
    }
  }
  if (forced) {
    const last = skipped[skipped.length - 1]!;
    const reason = skipped.map((s) => `${s.package}: ${s.reason}`).join('; ');
    throw new BackendUnavailableError(
      raw,
      reason,
      `Fix: ${last.fix}. Or unset LIPNET_BACKEND for the automatic choice (wasm, then cpu).`,
    );
  }
  throw new BackendUnavailableError(
    'auto',
    skipped.map((s) => `${s.name}: ${s.reason}`).join('; '),
    'Reinstall the workspace: `pnpm install`.',
  );
}
