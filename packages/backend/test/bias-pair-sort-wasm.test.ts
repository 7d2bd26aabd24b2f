/**
 * lipnet's WebAssembly SIMD bias + GroupSort(2) kernels (LipnetBiasPairSort and
 * its gradient) on the wasm backend: y and dz bit-identical to test-utils'
 * reference kernels on cpu (ties, −0, NaN, ±∞), db equal to 1e-5 (summed in
 * blocks of rows), across the block boundary of db's summation, through the
 * fallback for C not a multiple of 4; clear errors; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerReferenceFusedKernels } from '@lipnet/test-utils';
import { WasmKernelsError } from '../src';
import { BIAS_BLOCK_ROWS, biasPairSortModuleBytes } from '../src/wasm-kernels/bias-pair-sort-simd';
import { expectRelClose, initWasm, randomArray, expectIdentical } from './helpers';

beforeAll(initWasm);

/** z with ties in a third of the pairs (after the bias), signed zeros and non-finite values. */
function zValues(n: number, b: Float32Array, seed: number): Float32Array {
  const v = randomArray(n, seed);
  const c = b.length;
  for (let i = 0; i + 1 < n; i += 6) v[i + 1] = v[i]! + b[i % c]! - b[(i + 1) % c]!;
  const special = [-0, 0, NaN, 1, Infinity, -Infinity, -0, 2, NaN];
  special.forEach((s, i) => {
    if (5 * i + 3 < n) v[5 * i + 3] = s;
  });
  return v;
}

async function run(shape: number[], seed: number, backend: 'wasm' | 'cpu') {
  await tf.setBackend(backend);
  const handle = backend === 'cpu' ? registerReferenceFusedKernels('cpu') : null;
  try {
    return tf.tidy(() => {
      const c = shape[shape.length - 1]!;
      const bv = randomArray(c, seed + 5);
      bv[0] = -0;
      const n = tf.util.sizeFromShape(shape);
      const z = tf.tensor(zValues(n, bv, seed), shape);
      const b = tf.tensor(bv);
      const dy = tf.tensor(randomArray(n, seed + 1), shape);
      const y = tf.engine().runKernel('LipnetBiasPairSort', { z, b }, {}) as tf.Tensor;
      const [dz, db] = tf.engine().runKernel('LipnetBiasPairSortGrad', { z, b, dy }, {}) as tf.Tensor[];
      return [y, dz!, db!].map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() }));
    });
  } finally {
    handle?.unregister();
  }
}

describe('LipnetBiasPairSort on wasm (WebAssembly SIMD)', () => {
  test('the hand-encoded module validates', () => {
    expect(WebAssembly.validate(biasPairSortModuleBytes())).toBe(true);
  });

  test.each([
    ['C = 8', [3, 8]],
    ['an NHWC activation, C = 16', [2, 5, 3, 16]],
    ['more rows than one block of the bias sum', [BIAS_BLOCK_ROWS + 37, 4]],
    ['C = 6 (not a multiple of 4: Add, pair sort, Sum)', [7, 6]],
    ['a single pair', [1, 2]],
  ])('%s: y and dz identical to the reference kernels, db to 1e-5', async (_n, shape) => {
    const want = await run(shape, 3, 'cpu');
    const got = await run(shape, 3, 'wasm');
    expectIdentical(got[0]!.values, want[0]!.values);
    expectIdentical(got[1]!.values, want[1]!.values);
    expect(got[2]!.shape).toEqual([shape[shape.length - 1]]);
    // db has NaN/∞ entries where z does; compare the finite ones to 1e-5 and the rest exactly.
    const finite = Array.from(want[2]!.values, (v) => Number.isFinite(v));
    expectIdentical(
      got[2]!.values.map((v, i) => (finite[i] ? 0 : v)),
      want[2]!.values.map((v, i) => (finite[i] ? 0 : v)),
    );
    const pick = (a: Float32Array) => Float32Array.from(Array.from(a).filter((_, i) => finite[i]));
    if (finite.some(Boolean))
      expectRelClose({ values: pick(got[2]!.values), shape: [] }, { values: pick(want[2]!.values), shape: [] }, 1e-5);
  });

  test('leaks nothing (tensors and backend data)', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ids = tf.backend().numDataIds();
    tf.tidy(() => {
      const z = tf.ones([5, 8]);
      const b = tf.ones([8]);
      tf.engine().runKernel('LipnetBiasPairSort', { z, b }, {});
      tf.engine().runKernel('LipnetBiasPairSortGrad', { z, b, dy: z }, {});
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(ids);
  });

  test('a mismatched bias, an odd last axis or a mismatched dy is refused with a message', async () => {
    await tf.setBackend('wasm');
    const run1 = (z: tf.Tensor, b: tf.Tensor) => () => tf.engine().runKernel('LipnetBiasPairSort', { z, b }, {});
    expect(run1(tf.ones([2, 4]), tf.ones([3]))).toThrow(WasmKernelsError);
    expect(run1(tf.ones([2, 4]), tf.ones([3]))).toThrow(/b \[C\].*got z float32 \[2, 4\], b float32 \[3\]/);
    expect(run1(tf.ones([2, 3]), tf.ones([3]))).toThrow(/C even/);
    expect(() =>
      tf.engine().runKernel('LipnetBiasPairSortGrad', { z: tf.ones([2, 4]), b: tf.ones([4]), dy: tf.ones([4, 2]) }, {}),
    ).toThrow(/dy of z's shape/);
  });
});
