/**
 * lipnet's fused bias + GroupSort(2) + L2-norm pooling kernels
 * (LipnetBiasPairSortL2Pool and its gradient) on the wasm backend: P, dz and
 * db against test-utils' reference kernels on cpu to 1e-5 (demo4's shapes,
 * cropped rows and columns, 3×3 windows, ties, all-zero windows with eps,
 * scale ≠ 1, the C = 2 / C = 6 / > 16-tap fallbacks), P and dz the same bits
 * as the composition of lipnet's separate wasm kernels, db over many rows,
 * gradients through tf.grad equal to a stock tfjs composition; no leaks; clear errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerReferenceFusedKernels } from '@lipnet/test-utils';
import { WasmKernelsError } from '../src';
import { fusedPoolModuleBytes } from '../src/wasm-kernels/bias-pair-sort-l2-pool-simd';
import { expectIdentical, expectNoLeak, expectRelClose, initWasm, randomArray } from './helpers';

beforeAll(initWasm);

type Pool = [number, number];
type Out = { values: Float32Array; shape: number[] };
const ATTRS = { scale: 1.7, eps: 1e-6 };

/**
 * z for a bias b with b₀ = b₁: exact ties (a + b₀ = c + b₁) in channels 0, 1 of
 * every third pixel, near ties (rounded) in a fifth of the other pairs, and
 * image 0's first window row set to −b (s = 0 there: all-zero windows).
 */
function zValues(shape: number[], pool: Pool, b: Float32Array, seed: number, specials = false): Float32Array {
  const [, , w, c] = shape as [number, number, number, number];
  const v = randomArray(tf.util.sizeFromShape(shape), seed);
  for (let i = 0; i + 1 < v.length; i += 10) v[i + 1] = v[i]! + b[i % c]! - b[(i + 1) % c]!;
  for (let i = 0; i < v.length; i += 3 * c) v[i + 1] = v[i]!;
  for (let i = 0; i < pool[0] * w * c; i++) v[i] = -b[i % c]!;
  // With b = 0: pairs of signed zeros, NaN, ±∞, the largest floats and subnormals (where a − c > 0 is subtle).
  const odd = [
    [-0, 0],
    [0, -0],
    [NaN, 1],
    [1, NaN],
    [Infinity, Infinity],
    [Infinity, -Infinity],
    [-Infinity, Infinity],
    [3.4e38, -3.4e38],
    [-3.4e38, 3.4e38],
    [2e-45, 1e-45],
    [1e-45, 2e-45],
    [-1e-45, 1e-45],
    [1e-45, -1e-45],
  ];
  if (specials) {
    b.fill(0);
    odd.forEach(([p, q], k) => {
      const at = (k * 3 * w * c + 2 * (k % (c / 2))) % v.length;
      [v[at], v[at + 1]] = [p!, q!];
    });
  }
  return v;
}

/** P and [dz, db] of the fused kernels on `backend` (cpu: the reference kernels), or of `compose` on wasm. */
async function run(
  backend: 'wasm' | 'cpu',
  shape: number[],
  pool: Pool,
  mode: 'fused' | 'compose' = 'fused',
  specials = false,
) {
  await tf.setBackend(backend);
  const handle = backend === 'cpu' ? registerReferenceFusedKernels('cpu') : null;
  const k = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor & tf.Tensor[] => {
    const out: unknown = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
    return out as tf.Tensor & tf.Tensor[];
  };
  try {
    return tf.tidy((): Out[] => {
      const bv = randomArray(shape[3]!, 11);
      bv[1] = bv[0]!;
      const zv = zValues(shape, pool, bv, 12, specials);
      const z = tf.tensor(zv, shape);
      const b = tf.tensor(bv);
      const attrs = { poolSize: pool, ...ATTRS };
      const pooled = [shape[0]!, Math.floor(shape[1]! / pool[0]), Math.floor(shape[2]! / pool[1]), shape[3]!];
      const dy = tf.tensor(randomArray(tf.util.sizeFromShape(pooled), 13), pooled);
      let outs: tf.Tensor[];
      if (mode === 'fused') {
        outs = [
          k('LipnetBiasPairSortL2Pool', { z, b }, attrs),
          ...k('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, attrs),
        ];
      } else {
        const s = k('LipnetBiasPairSort', { z, b }, {});
        const ds = k('LipnetL2PoolGrad', { x: s, dy }, attrs);
        outs = [k('LipnetL2Pool', { x: s }, attrs), ...k('LipnetBiasPairSortGrad', { z, b, dy: ds }, {})];
      }
      return outs.map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() }));
    });
  } finally {
    handle?.unregister();
  }
}

const SIMD_SHAPES: Array<[string, number[], Pool]> = [
  ["demo4's first pooling, z [2, 28, 28, 16], 2×2", [2, 28, 28, 16], [2, 2]],
  ["demo4's second pooling, z [3, 14, 14, 32], 2×2", [3, 14, 14, 32], [2, 2]],
  ['odd H and W: the last row and column outside every window', [2, 7, 9, 8], [2, 2]],
  ['3×3 windows (9 taps, not a power of 2), cropped', [1, 10, 8, 4], [3, 3]],
  ['1×2 windows, one image', [1, 3, 6, 12], [1, 2]],
];
const FALLBACK_SHAPES: Array<[string, number[], Pool]> = [
  ['C = 2 (fallback: the separate kernels)', [2, 6, 5, 2], [2, 2]],
  ['C = 6 (fallback)', [2, 5, 6, 6], [2, 2]],
  ['5×4 windows, 20 taps (fallback)', [1, 10, 9, 4], [5, 4]],
];

describe('LipnetBiasPairSortL2Pool on wasm (WebAssembly SIMD)', () => {
  test('the generated modules validate', () => {
    for (const [, shape, [ph, pw]] of SIMD_SHAPES) {
      const [, h, w, c] = shape as [number, number, number, number];
      expect(WebAssembly.validate(fusedPoolModuleBytes({ h, w, c, ph, pw }))).toBe(true);
    }
  });

  test.each([...SIMD_SHAPES, ...FALLBACK_SHAPES])(
    '%s: P, dz and db equal the reference kernels',
    async (_n, shape, pool) => {
      const want = await run('cpu', shape, pool);
      const got = await run('wasm', shape, pool);
      expect(got.map((o) => o.shape)).toEqual([want[0]!.shape, shape, [shape[3]]]);
      got.forEach((o, i) => expectRelClose(o, want[i]!, 1e-5));
      expect(got[1]!.values.every(Number.isFinite)).toBe(true);
      // The all-zero windows (z = −b) get a zero gradient, not NaN.
      expect(Array.from(got[1]!.values.subarray(0, pool[0] * shape[2]! * shape[3]!)).every((v) => v === 0)).toBe(true);
    },
  );

  test.each(SIMD_SHAPES)('%s: P and dz the same bits as the separate wasm kernels', async (_n, shape, pool) => {
    const composed = await run('wasm', shape, pool, 'compose');
    const fused = await run('wasm', shape, pool);
    expectIdentical(fused[0]!.values, composed[0]!.values);
    expectIdentical(fused[1]!.values, composed[1]!.values);
    expectRelClose(fused[2]!, composed[2]!, 1e-5);
  });

  test('with ±0, NaN, ±∞, ±3.4e38 and subnormals in z + b: P and dz the same bits as the separate wasm kernels', async () => {
    const shape = [2, 8, 6, 8];
    const composed = await run('wasm', shape, [2, 2], 'compose', true);
    const fused = await run('wasm', shape, [2, 2], 'fused', true);
    expect(composed[1]!.values.some(Number.isNaN)).toBe(true);
    expectIdentical(fused[0]!.values, composed[0]!.values);
    expectIdentical(fused[1]!.values, composed[1]!.values);
  });

  test('db over many rows (25,088 pixels of 16 channels, about 100 blocks) equals the float64 reference sum to 1e-5', async () => {
    const want = await run('cpu', [32, 28, 28, 16], [2, 2]);
    const got = await run('wasm', [32, 28, 28, 16], [2, 2]);
    expectRelClose(got[2]!, want[2]!, 1e-5);
  });

  test.each([
    ['the SIMD module', [2, 6, 6, 8]],
    ['the fallback', [2, 6, 6, 6]],
  ])('%s leaks nothing (tensors and backend data)', async (_n, shape) => {
    await tf.setBackend('wasm');
    const call = () =>
      tf.tidy(() => {
        const z = tf.ones(shape);
        const b = tf.ones([shape[3]!]);
        const attrs = { poolSize: [2, 2], ...ATTRS };
        const y = tf.engine().runKernel('LipnetBiasPairSortL2Pool', { z, b }, attrs) as tf.Tensor;
        tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy: y }, attrs);
      });
    expectNoLeak(call); // the fallback's db (Sum) keeps one ones filter per channel count, made at its first call
  });

  test('an odd C, a mismatched bias, a bad poolSize, scale or dy is refused with a message', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const attrs = { poolSize: [2, 2], ...ATTRS };
      const fwd =
        (z: tf.Tensor, b: tf.Tensor, a: object = attrs) =>
        () =>
          tf.engine().runKernel('LipnetBiasPairSortL2Pool', { z, b }, a as tf.NamedAttrMap);
      expect(fwd(tf.ones([1, 4, 4, 3]), tf.ones([3]))).toThrow(WasmKernelsError);
      expect(fwd(tf.ones([1, 4, 4, 3]), tf.ones([3]))).toThrow(/C even.*got z float32 \[1, 4, 4, 3\]/);
      expect(fwd(tf.ones([1, 4, 4, 4]), tf.ones([2]))).toThrow(/b \[C\].*b float32 \[2\]/);
      expect(fwd(tf.ones([4, 4]), tf.ones([4]))).toThrow(/z \[N, H, W, C\]/);
      expect(fwd(tf.ones([1, 4, 4, 4]), tf.ones([4]), { poolSize: [0, 2], scale: 1 })).toThrow(/poolSize.*\[0,2\]/);
      expect(fwd(tf.ones([1, 4, 4, 4]), tf.ones([4]), { poolSize: [2, 2] })).toThrow(/scale must be a finite number/);
      expect(() =>
        tf
          .engine()
          .runKernel(
            'LipnetBiasPairSortL2PoolGrad',
            { z: tf.ones([1, 4, 4, 4]), b: tf.ones([4]), dy: tf.ones([1, 4, 4, 4]) },
            attrs,
          ),
      ).toThrow(/dy must be float32 of the pooled shape \[1, 2, 2, 4\]/);
    });
  });
});

/** deel-lip's √ with the ε gradient dy / (2(√x + ε)), from stock ops. */
const sqrtEps = (eps: number) =>
  tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const r = tf.sqrt(x);
    save([r]);
    return { value: r, gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.div(dy, tf.mul(2, tf.add(s!, eps))) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

/** The fused kernels as one differentiable op (as @lipnet/layers wires them). */
const fusedOp = (pool: Pool) =>
  tf.customGrad(((z: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z, b]);
    const attrs = { poolSize: pool, ...ATTRS };
    return {
      value: tf.engine().runKernel('LipnetBiasPairSortL2Pool', { z, b }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, [zs, bs]: tf.Tensor[]) =>
        tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z: zs!, b: bs!, dy }, attrs) as tf.Tensor[],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Stock tfjs: v = z + b; GroupSort(2) as min/max of each pair; scale · √ε(avgpool(s²)). */
function stockOp(z: tf.Tensor4D, b: tf.Tensor1D, pool: Pool): tf.Tensor {
  const v = tf.add(z, b);
  const [n, h, w, c] = z.shape;
  const pairs = tf.reshape(v, [n, h, w, c / 2, 2]);
  const [first, second] = tf.split(pairs, 2, 4);
  const s = tf.reshape(tf.concat([tf.minimum(first!, second!), tf.maximum(first!, second!)], 4), z.shape);
  const mean = tf.avgPool(tf.square(s) as tf.Tensor4D, pool, pool, 'valid');
  return tf.mul(sqrtEps(ATTRS.eps)(mean), ATTRS.scale);
}

test.each([
  ['SIMD module', [2, 9, 8, 8]],
  ['fallback (C = 6)', [2, 8, 7, 6]],
])('%s: P, dP/dz and dP/db through tf.grads equal a stock tfjs composition on wasm (1e-5)', async (_n, shape) => {
  await tf.setBackend('wasm');
  const pool: Pool = [2, 2];
  const z = tf.tensor4d(randomArray(tf.util.sizeFromShape(shape), 21), shape as [number, number, number, number]);
  const b = tf.tensor1d(randomArray(shape[3]!, 22));
  const pooled = [shape[0]!, Math.floor(shape[1]! / 2), Math.floor(shape[2]! / 2), shape[3]!];
  const dy = tf.tensor(randomArray(tf.util.sizeFromShape(pooled), 23), pooled);
  const before = tf.memory().numTensors;
  const take = (f: (z: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor) =>
    tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((zz: tf.Tensor, bb: tf.Tensor) =>
        f(zz as tf.Tensor4D, bb as tf.Tensor1D),
      )([z, b], dy);
      return [value, ...grads].map((t): Out => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() }));
    });
  const fused = take((zz, bb) => fusedOp(pool)(zz, bb) as tf.Tensor);
  const stock = take((zz, bb) => stockOp(zz, bb, pool));
  expect(tf.memory().numTensors).toBe(before);
  fused.forEach((o, i) => expectRelClose(o, stock[i]!, 1e-5));
  tf.dispose([z, b, dy]);
});
