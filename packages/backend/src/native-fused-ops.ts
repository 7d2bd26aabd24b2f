/**
 * lipnet's fused TensorFlow ops for tfjs-node's `tensorflow` backend: the
 * kernels of @lipnet/core's `FUSED_KERNELS` contract (GroupSort(2), bias +
 * GroupSort(2), L2-norm pooling, bias + GroupSort(2) + L2-norm pooling and
 * their gradients), each one pass over
 * memory instead of the four to eight of the stock composition, and
 * @lipnet/core's `FUSED_KERNELS` (`bjorck`) (all Björck iterations, and
 * their gradient, in one op each instead of ~5 ops per iteration), and
 * `spectralBjorck` (a reshaped kernel's whole deel-lip 1.5 normalisation —
 * power iteration, W/(σ+ε), Björck — in one op, its gradient in another,
 * instead of ~110 small ops per layer and step). They are C++
 * TensorFlow ops (tools/native/ops/*.cc) that `pnpm native:setup`
 * compiles against the same TensorFlow wheel as the binding, into a Node
 * addon `lipnet_ops.node` beside `tfjs_binding.node`; requiring it registers
 * the ops in the process's TensorFlow, and the tfjs kernels below run them
 * through the binding like any TensorFlow op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addonFile } from './addon-file';
import { FUSED_KERNELS } from '@lipnet/core';
import type { KernelArgs } from './kernel-args';
import type { NodeBackend } from './node-backend';

/** What {@link registerNativeFusedOps} did. */
export interface NativeFusedOpsStatus {
  /** True when the kernels are registered for 'tensorflow'. */
  registered: boolean;
  /** Why not, when not (one line, with the fix). */
  reason?: string;
  /** The addon that was loaded, when one was. */
  file?: string;
}

/** TensorFlow attr `name` (float or int) with the tfjs attr of that name. */
const float = (be: NodeBackend, attrs: tf.NamedAttrMap, name: string) => ({
  name,
  type: be.binding.TF_ATTR_FLOAT,
  value: attrs[name] as number,
});
const int = (be: NodeBackend, attrs: tf.NamedAttrMap, name: string) => ({
  name,
  type: be.binding.TF_ATTR_INT,
  value: attrs[name] as number,
});

/** The TensorFlow attrs of a pooling op from the tfjs attrs (poolSize → ph, pw). */
function poolAttrs(be: NodeBackend, attrs: tf.NamedAttrMap): unknown[] {
  const [ph, pw] = attrs['poolSize'] as [number, number];
  const window = { ph, pw };
  return [int(be, window, 'ph'), int(be, window, 'pw'), float(be, attrs, 'scale')];
}

/**
 * Each op: its tfjs input names in the TensorFlow op's input order, its
 * TensorFlow attrs from the tfjs attrs, and its output count.
 */
interface OpSpec {
  inputs: string[];
  attrs?: (be: NodeBackend, attrs: tf.NamedAttrMap) => unknown[];
  outputs?: number;
}

const OPS = {
  [FUSED_KERNELS.pairSort]: { inputs: ['x'] },
  [FUSED_KERNELS.pairSortGrad]: { inputs: ['x', 'dy'] },
  [FUSED_KERNELS.biasPairSort]: { inputs: ['z', 'b'] },
  [FUSED_KERNELS.biasPairSortGrad]: { inputs: ['z', 'b', 'dy'], outputs: 2 },
  [FUSED_KERNELS.l2Pool]: { inputs: ['x'], attrs: poolAttrs },
  [FUSED_KERNELS.l2PoolGrad]: { inputs: ['x', 'dy'], attrs: (be, a) => [...poolAttrs(be, a), float(be, a, 'eps')] },
  [FUSED_KERNELS.biasPairSortL2Pool]: { inputs: ['z', 'b'], attrs: poolAttrs },
  [FUSED_KERNELS.biasPairSortL2PoolGrad]: {
    inputs: ['z', 'b', 'dy'],
    attrs: (be, a) => [...poolAttrs(be, a), float(be, a, 'eps')],
    outputs: 2,
  },
  [FUSED_KERNELS.bjorck]: {
    inputs: ['w'],
    attrs: (be, a) => [float(be, a, 'beta'), int(be, a, 'maxIter'), float(be, a, 'eps')],
    outputs: 2,
  },
  [FUSED_KERNELS.bjorckGrad]: { inputs: ['iterates', 'dy'], attrs: (be, a) => [float(be, a, 'beta')] },
  [FUSED_KERNELS.spectralBjorck]: {
    inputs: ['w', 'u'],
    attrs: (be, a) => [
      float(be, a, 'epsSpectral'),
      int(be, a, 'maxIterSpectral'),
      float(be, a, 'beta'),
      int(be, a, 'maxIterBjorck'),
      float(be, a, 'epsBjorck'),
      float(be, a, 'coef'),
    ],
    outputs: 4,
  },
  [FUSED_KERNELS.spectralBjorckGrad]: {
    inputs: ['w', 'u', 'sigma', 'iterates', 'dy'],
    attrs: (be, a) => [float(be, a, 'epsSpectral'), float(be, a, 'beta'), float(be, a, 'coef')],
  },
} satisfies Record<string, OpSpec>;

/** The tfjs kernel names (= TensorFlow op names) this module registers. */
export const NATIVE_FUSED_OPS = Object.keys(OPS) as Array<keyof typeof OPS>;

/**
 * Ops added after the first builds of lipnet_ops.node: registered when the addon has them, and an
 * addon without them still registers the rest (the layers then compose stock ops for these).
 */
const LATER_OPS: ReadonlySet<string> = new Set([FUSED_KERNELS.spectralBjorck, FUSED_KERNELS.spectralBjorckGrad]);
const REQUIRED_OPS = NATIVE_FUSED_OPS.filter((n) => !LATER_OPS.has(n));

/** The ops the loaded lipnet_ops.node exports (set by {@link registerNativeFusedOps}). */
let loadedOps: ReadonlySet<string> = new Set();

/**
 * The TensorFlow op names the lipnet_ops.node that {@link registerNativeFusedOps} loaded exports
 * (graph-only ops included, e.g. the Winograd convolutions); empty before it loaded one. An addon
 * built before an op lacks it: the training graph then writes TensorFlow's ops instead.
 */
export function nativeOpsLoaded(): ReadonlySet<string> {
  return loadedOps;
}

/** The tfjs kernel function that runs TensorFlow op `name` through tfjs-node's binding. */
function kernelFunc(name: string, spec: OpSpec): (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] {
  return ({ inputs, backend, attrs }) => {
    const be = backend as NodeBackend;
    const tensors = spec.inputs.map((k) => inputs[k]!);
    const opAttrs = spec.attrs?.(be, attrs) ?? [];
    return spec.outputs
      ? be.executeMultipleOutputs(name, opAttrs, tensors, spec.outputs)
      : be.executeSingleOutput(name, opAttrs, tensors);
  };
}

const SETUP_FIX = 'run `pnpm native:setup --force` to build them';

/** `lipnet_ops.node` beside the `tfjs_binding.node` of the package in `packageDir`, if built. */
export function fusedOpsFile(packageDir: string): string | undefined {
  return addonFile(packageDir, 'lipnet_ops.node');
}

/**
 * Loads `lipnet_ops.node` from `packageDir` (the tfjs-node package whose
 * binding is loaded) and registers its kernels for 'tensorflow'. Idempotent.
 * Never throws: when the addon is missing, fails to load, or `env`'s
 * `LIPNET_FUSED_OPS` is `0`, nothing is registered and `reason` says why
 * (the layers then compose stock ops: the same numbers, slower).
 */
export function registerNativeFusedOps(
  packageDir: string,
  env: Record<string, string | undefined> = process.env,
): NativeFusedOpsStatus {
  if (REQUIRED_OPS.every((n) => tf.getKernel(n, 'tensorflow') !== undefined)) return { registered: true };
  if (env['LIPNET_FUSED_OPS'] === '0') return { registered: false, reason: 'LIPNET_FUSED_OPS=0' };
  const file = fusedOpsFile(packageDir);
  if (!file) return { registered: false, reason: `lipnet's fused ops are not built (${SETUP_FIX})` };
  let exported: { ops?: string[] };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native add-on's JSON manifest at a run-time path
    exported = require(file) as { ops?: string[] };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { registered: false, reason: `lipnet's fused ops failed to load: ${first} (${SETUP_FIX})`, file };
  }
  loadedOps = new Set(exported.ops ?? []);
  const missing = REQUIRED_OPS.filter((n) => !loadedOps.has(n));
  if (missing.length > 0) {
    return { registered: false, reason: `${file} lacks ${missing.join(', ')} (an older build: ${SETUP_FIX})`, file };
  }
  for (const name of NATIVE_FUSED_OPS) {
    if (tf.getKernel(name, 'tensorflow') === undefined && loadedOps.has(name)) {
      tf.registerKernel({
        kernelName: name,
        backendName: 'tensorflow',
        kernelFunc: kernelFunc(name, OPS[name]) as unknown as tf.KernelFunc,
      });
    }
  }
  return { registered: true, file };
}

/** Removes the kernels {@link registerNativeFusedOps} registered (the TensorFlow ops stay loaded). */
export function unregisterNativeFusedOps(): void {
  for (const name of NATIVE_FUSED_OPS) {
    if (tf.getKernel(name, 'tensorflow') !== undefined) tf.unregisterKernel(name, 'tensorflow');
  }
}
