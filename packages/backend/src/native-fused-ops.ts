/**
 * lipnet's fused TensorFlow ops for tfjs-node's `tensorflow` backend: the
 * kernels of @lipnet/layers' `FUSED_KERNELS` contract (GroupSort(2), bias +
 * GroupSort(2), L2-norm pooling and their gradients), each one pass over
 * memory instead of the four to eight of the stock composition, and
 * @lipnet/constraints' `FUSED_BJORCK_KERNELS` (all Björck iterations, and
 * their gradient, in one op each instead of ~5 ops per iteration). They are C++
 * TensorFlow ops (tools/native/ops/lipnet_ops.cc) that `pnpm native:setup`
 * compiles against the same TensorFlow wheel as the binding, into a Node
 * addon `lipnet_ops.node` beside `tfjs_binding.node`; requiring it registers
 * the ops in the process's TensorFlow, and the tfjs kernels below run them
 * through the binding like any TensorFlow op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addonFile } from './addon-file';

/** The tfjs kernel names (= TensorFlow op names) this module registers. */
export const NATIVE_FUSED_OPS = [
  'LipnetPairSort',
  'LipnetPairSortGrad',
  'LipnetBiasPairSort',
  'LipnetBiasPairSortGrad',
  'LipnetL2Pool',
  'LipnetL2PoolGrad',
  'LipnetBjorck',
  'LipnetBjorckGrad',
] as const;

/** What {@link registerNativeFusedOps} did. */
export interface NativeFusedOpsStatus {
  /** True when the kernels are registered for 'tensorflow'. */
  registered: boolean;
  /** Why not, when not (one line, with the fix). */
  reason?: string;
  /** The addon that was loaded, when one was. */
  file?: string;
}

interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
  binding: { TF_ATTR_INT: number; TF_ATTR_FLOAT: number };
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

function poolAttrs(be: NodeBackend, attrs: tf.NamedAttrMap, withEps: boolean): unknown[] {
  const [ph, pw] = attrs['poolSize'] as [number, number];
  const out: unknown[] = [
    { name: 'ph', type: be.binding.TF_ATTR_INT, value: ph },
    { name: 'pw', type: be.binding.TF_ATTR_INT, value: pw },
    { name: 'scale', type: be.binding.TF_ATTR_FLOAT, value: attrs['scale'] as number },
  ];
  if (withEps) out.push({ name: 'eps', type: be.binding.TF_ATTR_FLOAT, value: attrs['eps'] as number });
  return out;
}

function bjorckAttrs(be: NodeBackend, attrs: tf.NamedAttrMap): unknown[] {
  return [
    { name: 'beta', type: be.binding.TF_ATTR_FLOAT, value: attrs['beta'] as number },
    { name: 'maxIter', type: be.binding.TF_ATTR_INT, value: attrs['maxIter'] as number },
    { name: 'eps', type: be.binding.TF_ATTR_FLOAT, value: attrs['eps'] as number },
  ];
}

const kernelFuncs: Record<(typeof NATIVE_FUSED_OPS)[number], (a: Args) => tf.TensorInfo | tf.TensorInfo[]> = {
  LipnetPairSort: ({ inputs, backend }) => (backend as NodeBackend).executeSingleOutput('LipnetPairSort', [], [inputs['x']!]),
  LipnetPairSortGrad: ({ inputs, backend }) =>
    (backend as NodeBackend).executeSingleOutput('LipnetPairSortGrad', [], [inputs['x']!, inputs['dy']!]),
  LipnetBiasPairSort: ({ inputs, backend }) =>
    (backend as NodeBackend).executeSingleOutput('LipnetBiasPairSort', [], [inputs['z']!, inputs['b']!]),
  LipnetBiasPairSortGrad: ({ inputs, backend }) =>
    (backend as NodeBackend).executeMultipleOutputs('LipnetBiasPairSortGrad', [], [inputs['z']!, inputs['b']!, inputs['dy']!], 2),
  LipnetL2Pool: ({ inputs, backend, attrs }) => {
    const be = backend as NodeBackend;
    return be.executeSingleOutput('LipnetL2Pool', poolAttrs(be, attrs, false), [inputs['x']!]);
  },
  LipnetL2PoolGrad: ({ inputs, backend, attrs }) => {
    const be = backend as NodeBackend;
    return be.executeSingleOutput('LipnetL2PoolGrad', poolAttrs(be, attrs, true), [inputs['x']!, inputs['dy']!]);
  },
  LipnetBjorck: ({ inputs, backend, attrs }) => {
    const be = backend as NodeBackend;
    return be.executeMultipleOutputs('LipnetBjorck', bjorckAttrs(be, attrs), [inputs['w']!], 2);
  },
  LipnetBjorckGrad: ({ inputs, backend, attrs }) => {
    const be = backend as NodeBackend;
    const beta = [{ name: 'beta', type: be.binding.TF_ATTR_FLOAT, value: attrs['beta'] as number }];
    return be.executeSingleOutput('LipnetBjorckGrad', beta, [inputs['iterates']!, inputs['dy']!]);
  },
};

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
export function registerNativeFusedOps(packageDir: string, env: Record<string, string | undefined> = process.env): NativeFusedOpsStatus {
  if (NATIVE_FUSED_OPS.every((n) => tf.getKernel(n, 'tensorflow') !== undefined)) return { registered: true };
  if (env['LIPNET_FUSED_OPS'] === '0') return { registered: false, reason: 'LIPNET_FUSED_OPS=0' };
  const file = fusedOpsFile(packageDir);
  if (!file) return { registered: false, reason: `lipnet's fused ops are not built (${SETUP_FIX})` };
  let exported: { ops?: string[] };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file) as { ops?: string[] };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return { registered: false, reason: `lipnet's fused ops failed to load: ${first} (${SETUP_FIX})`, file };
  }
  const missing = NATIVE_FUSED_OPS.filter((n) => !exported.ops?.includes(n));
  if (missing.length > 0) {
    return { registered: false, reason: `${file} lacks ${missing.join(', ')} (an older build: ${SETUP_FIX})`, file };
  }
  for (const name of NATIVE_FUSED_OPS) {
    if (tf.getKernel(name, 'tensorflow') === undefined) {
      tf.registerKernel({ kernelName: name, backendName: 'tensorflow', kernelFunc: kernelFuncs[name] as unknown as tf.KernelFunc });
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
