import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@lipnet/core';
import { bjorck, bjorckBackward, mat, spectralBjorck, spectralBjorckGrad, type Mat } from './reference-bjorck';

/**
 * Plain-loop JavaScript implementations of @lipnet/layers' optional fused
 * kernels (`LipnetPairSort`, `LipnetBiasPairSort`, `LipnetL2Pool`,
 * `LipnetBiasPairSortL2Pool` and their gradients, whose contract is documented at @lipnet/core's `FUSED_KERNELS`; `LipnetBjorck`,
 * `LipnetSpectralBjorck` and their gradients, documented there too (reference-bjorck.ts;
 * matrices in float64), registered for a
 * backend whose tensors `readSync` returns as typed arrays (`cpu`). Tests use
 * them to check that the layers wire a backend's fused kernels in with the
 * same values and gradients as the stock composition, on machines without
 * the native ops; and as the reference the native ops are compared against.
 * Written from the definitions, not from either implementation.
 */

interface Backend {
  readSync(dataId: unknown): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap };

const read = (be: Backend, t: tf.TensorInfo): Float32Array => be.readSync(t.dataId) as Float32Array;
const swapped = (a: number, b: number): boolean => Math.fround(a - b) > 0;

/** y of the pairs of `v` (a, b) → (b, a) iff a − b > 0; `perm` the same permutation of `g` (or v itself). */
function permutePairs(order: Float32Array, g: Float32Array): Float32Array {
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i += 2) {
    const s = swapped(order[i]!, order[i + 1]!);
    out[i] = s ? g[i + 1]! : g[i]!;
    out[i + 1] = s ? g[i]! : g[i + 1]!;
  }
  return out;
}

function withBias(z: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = z[i]! + b[i % b.length]!; // rounded to float32 on store, as a float32 add
  return out;
}

/** Window sums of x² per output element of a 'valid', stride = pool NHWC pooling. */
function windowSquares(
  x: Float32Array,
  [n, h, w, c]: number[],
  [ph, pw]: number[],
): { sums: Float32Array; oh: number; ow: number } {
  const oh = Math.floor(h! / ph!);
  const ow = Math.floor(w! / pw!);
  const sums = new Float32Array(n! * oh * ow * c!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh * ph!; i++)
      for (let j = 0; j < ow * pw!; j++)
        for (let k = 0; k < c!; k++) {
          const v = x[((b * h! + i) * w! + j) * c! + k]!;
          sums[((b * oh + Math.floor(i / ph!)) * ow + Math.floor(j / pw!)) * c! + k]! += v * v;
        }
  return { sums, oh, ow };
}

/** `scale · √mean(x²)` per 'valid', stride = pool window of NHWC x (the `LipnetL2Pool` contract). */
function l2Pool(x: Float32Array, shape: number[], attrs: tf.NamedAttrMap): { y: Float32Array; oh: number; ow: number } {
  const pool = attrs['poolSize'] as number[];
  const { sums, oh, ow } = windowSquares(x, shape, pool);
  const area = pool[0]! * pool[1]!;
  return { y: sums.map((s) => Math.sqrt(s / area) * (attrs['scale'] as number)), oh, ow };
}

/** dx = (g / (ph·pw)) · 2x, g = dy·scale / (2(r + eps)) (the `LipnetL2PoolGrad` contract); 0 outside the windows. */
function l2PoolGrad(x: Float32Array, dy: Float32Array, shape: number[], attrs: tf.NamedAttrMap): Float32Array {
  const [n, h, w, c] = shape as [number, number, number, number];
  const [ph, pw] = attrs['poolSize'] as [number, number];
  const { sums, oh, ow } = windowSquares(x, [n, h, w, c], [ph, pw]);
  const area = ph * pw;
  const scale = attrs['scale'] as number;
  const eps = attrs['eps'] as number;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh * ph; i++)
      for (let j = 0; j < ow * pw; j++)
        for (let k = 0; k < c; k++) {
          const o = ((b * oh + Math.floor(i / ph)) * ow + Math.floor(j / pw)) * c + k;
          const r = Math.sqrt(sums[o]! / area);
          const g = (dy[o]! * scale) / (2 * (r + eps));
          const at = ((b * h + i) * w + j) * c + k;
          dx[at] = (g / area) * 2 * x[at]!;
        }
  return dx;
}

/** The Björck iterates [k, m, n] as a float32 tensor of `be`. */
function iteratesInfo(be: Backend, steps: Mat[], m: number, n: number): tf.TensorInfo {
  const its = new Float32Array(steps.length * m * n);
  steps.forEach((st, k) => its.set(st.v, k * m * n));
  return be.makeTensorInfo([steps.length, m, n], 'float32', its);
}

const kernels = {
  [FUSED_KERNELS.pairSort]: ({ inputs, backend }) => {
    const be = backend as Backend;
    const x = read(be, inputs['x']!);
    return be.makeTensorInfo(inputs['x']!.shape, 'float32', permutePairs(x, x));
  },
  [FUSED_KERNELS.pairSortGrad]: ({ inputs, backend }) => {
    const be = backend as Backend;
    return be.makeTensorInfo(
      inputs['x']!.shape,
      'float32',
      permutePairs(read(be, inputs['x']!), read(be, inputs['dy']!)),
    );
  },
  [FUSED_KERNELS.biasPairSort]: ({ inputs, backend }) => {
    const be = backend as Backend;
    const v = withBias(read(be, inputs['z']!), read(be, inputs['b']!));
    return be.makeTensorInfo(inputs['z']!.shape, 'float32', permutePairs(v, v));
  },
  [FUSED_KERNELS.biasPairSortGrad]: ({ inputs, backend }) => {
    const be = backend as Backend;
    const b = read(be, inputs['b']!);
    const dz = permutePairs(withBias(read(be, inputs['z']!), b), read(be, inputs['dy']!));
    const db = new Float64Array(b.length);
    for (let i = 0; i < dz.length; i++) db[i % b.length] = db[i % b.length]! + dz[i]!;
    return [
      be.makeTensorInfo(inputs['z']!.shape, 'float32', dz),
      be.makeTensorInfo([b.length], 'float32', Float32Array.from(db)),
    ];
  },
  [FUSED_KERNELS.l2Pool]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const shape = inputs['x']!.shape;
    const { y, oh, ow } = l2Pool(read(be, inputs['x']!), shape, attrs);
    return be.makeTensorInfo([shape[0]!, oh, ow, shape[3]!], 'float32', y);
  },
  [FUSED_KERNELS.l2PoolGrad]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const dx = l2PoolGrad(read(be, inputs['x']!), read(be, inputs['dy']!), inputs['x']!.shape, attrs);
    return be.makeTensorInfo(inputs['x']!.shape, 'float32', dx);
  },
  [FUSED_KERNELS.biasPairSortL2Pool]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const shape = inputs['z']!.shape;
    const v = withBias(read(be, inputs['z']!), read(be, inputs['b']!));
    const { y, oh, ow } = l2Pool(permutePairs(v, v), shape, attrs);
    return be.makeTensorInfo([shape[0]!, oh, ow, shape[3]!], 'float32', y);
  },
  [FUSED_KERNELS.biasPairSortL2PoolGrad]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const b = read(be, inputs['b']!);
    const v = withBias(read(be, inputs['z']!), b);
    const ds = l2PoolGrad(permutePairs(v, v), read(be, inputs['dy']!), inputs['z']!.shape, attrs);
    const dz = permutePairs(v, ds);
    const db = new Float64Array(b.length);
    for (let i = 0; i < dz.length; i++) db[i % b.length] = db[i % b.length]! + dz[i]!;
    return [
      be.makeTensorInfo(inputs['z']!.shape, 'float32', dz),
      be.makeTensorInfo([b.length], 'float32', Float32Array.from(db)),
    ];
  },
  [FUSED_KERNELS.bjorck]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const [m, n] = inputs['w']!.shape as [number, number];
    const { y, steps } = bjorck(
      mat(m, n, read(be, inputs['w']!)),
      attrs['beta'] as number,
      attrs['maxIter'] as number,
      attrs['eps'] as number,
    );
    return [be.makeTensorInfo([m, n], 'float32', Float32Array.from(y.v)), iteratesInfo(be, steps, m, n)];
  },
  [FUSED_KERNELS.bjorckGrad]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const [, m, n] = inputs['iterates']!.shape as [number, number, number];
    const g = bjorckBackward(
      read(be, inputs['iterates']!),
      mat(m, n, read(be, inputs['dy']!)),
      attrs['beta'] as number,
    );
    return be.makeTensorInfo([m, n], 'float32', Float32Array.from(g.v));
  },
  [FUSED_KERNELS.spectralBjorck]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const [m, n] = inputs['w']!.shape as [number, number];
    const r = spectralBjorck(mat(m, n, read(be, inputs['w']!)), mat(1, n, read(be, inputs['u']!)), attrs);
    return [
      be.makeTensorInfo([m, n], 'float32', Float32Array.from(r.y.v)),
      be.makeTensorInfo([1, n], 'float32', Float32Array.from(r.u.v)),
      be.makeTensorInfo([1, 1], 'float32', Float32Array.of(r.sigma)),
      iteratesInfo(be, r.steps, m, n),
    ];
  },
  [FUSED_KERNELS.spectralBjorckGrad]: ({ inputs, backend, attrs }) => {
    const be = backend as Backend;
    const [m, n] = inputs['w']!.shape as [number, number];
    const dw = spectralBjorckGrad(
      mat(m, n, read(be, inputs['w']!)),
      mat(1, n, read(be, inputs['u']!)),
      read(be, inputs['sigma']!)[0]!,
      read(be, inputs['iterates']!),
      mat(m, n, read(be, inputs['dy']!)),
      attrs,
    );
    return be.makeTensorInfo([m, n], 'float32', Float32Array.from(dw.v));
  },
} satisfies Record<string, (a: Args) => tf.TensorInfo | tf.TensorInfo[]>;

/** The kernel names {@link registerReferenceFusedKernels} registers. */
export const REFERENCE_FUSED_KERNEL_NAMES = Object.keys(kernels) as Array<keyof typeof kernels>;

/**
 * Registers the reference kernels for `backend` (default `cpu`) and returns
 * a handle: `calls[name]` counts the kernel calls, `unregister()` removes
 * them. Throws if one is already registered there.
 */
export function registerReferenceFusedKernels(backend = 'cpu'): { calls: Record<string, number>; unregister(): void } {
  const calls: Record<string, number> = {};
  for (const name of REFERENCE_FUSED_KERNEL_NAMES) {
    calls[name] = 0;
    const fn = kernels[name];
    tf.registerKernel({
      kernelName: name,
      backendName: backend,
      kernelFunc: ((args: Args) => {
        calls[name]! += 1;
        return fn(args);
      }) as unknown as tf.KernelFunc,
    });
  }
  return {
    calls,
    unregister() {
      for (const name of REFERENCE_FUSED_KERNEL_NAMES) tf.unregisterKernel(name, backend);
    },
  };
}
