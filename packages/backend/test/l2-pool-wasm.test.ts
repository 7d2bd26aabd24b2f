/**
 * lipnet's WebAssembly L2-norm pooling kernels (LipnetL2Pool and its
 * gradient) on the wasm backend against test-utils' reference kernels on cpu
 * (1e-5 relative): SIMD lanes (C a multiple of 4) and scalar lanes, 2×2 and
 * 3×2 windows, cropped rows and columns (zero gradient there), an all-zero
 * window (finite gradient thanks to eps); no leaks; clear errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerReferenceFusedKernels } from '@lipnet/test-utils';
import { WasmKernelsError } from '../src';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { l2PoolModuleBytes } from '../src/wasm-kernels/l2-pool-simd';
import { windowModuleBytes } from '../src/wasm-kernels/l2-pool-window-simd';
import { memoryOffset } from '../src/wasm-kernels/wasm-encoding';
import { expectRelClose, initWasm, randomArray } from './helpers';

beforeAll(initWasm);

async function run(backend: 'wasm' | 'cpu', shape: number[], pool: [number, number]) {
  await tf.setBackend(backend);
  const handle = backend === 'cpu' ? registerReferenceFusedKernels('cpu') : null;
  try {
    return tf.tidy(() => {
      const values = randomArray(tf.util.sizeFromShape(shape), 5);
      values.fill(0, 0, shape[3]! * pool[1] * 2); // the first window row of image 0: all-zero windows
      const x = tf.tensor(values, shape);
      const attrs = { poolSize: pool, scale: 1.7, eps: 1e-6 };
      const y = tf.engine().runKernel('LipnetL2Pool', { x }, attrs) as tf.Tensor;
      const dy = tf.tensor(randomArray(y.size, 6), y.shape);
      const dx = tf.engine().runKernel('LipnetL2PoolGrad', { x, dy }, attrs) as tf.Tensor;
      return [y, dx].map((t) => ({ values: t.dataSync() as Float32Array, shape: t.shape }));
    });
  } finally {
    handle?.unregister();
  }
}

describe('LipnetL2Pool on wasm (WebAssembly)', () => {
  test('the hand-encoded module validates', () => {
    expect(WebAssembly.validate(l2PoolModuleBytes())).toBe(true);
  });

  test.each([
    ['f32x4 lanes, 2×2, tiling', [2, 6, 4, 8], [2, 2]],
    ['f32x4 lanes, 2×2, cropped row and column', [2, 5, 7, 4], [2, 2]],
    ['scalar lanes (C = 3), 3×2, cropped', [1, 7, 5, 3], [3, 2]],
    ['demo4 layer 2 shape', [2, 14, 14, 32], [2, 2]],
    ['per-geometry module, 3×2 windows, C = 8', [2, 6, 4, 8], [3, 2]],
  ] as Array<[string, number[], [number, number]]>)('%s: equals the reference kernels', async (_name, shape, pool) => {
    const want = await run('cpu', shape, pool);
    const got = await run('wasm', shape, pool);
    expectRelClose(got[0]!, want[0]!, 1e-5);
    expectRelClose(got[1]!, want[1]!, 1e-5);
    expect(got[1]!.values.every(Number.isFinite)).toBe(true);
  });

  test.each([
    [2, 3],
    [2, 2],
  ])('the per-geometry window module (%i×%i) gives the generic module the same bits', async (ph, pw) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const memory = (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
    const inst = (bytes: Uint8Array<ArrayBuffer>) =>
      new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<
        string,
        (...a: number[]) => void
      >;
    const generic = inst(l2PoolModuleBytes());
    const [n, h, w, c] = [2, 4, 6, 8];
    const window = inst(windowModuleBytes({ w, c, ph, pw }));
    const pooled = [n, h / ph, w / pw, c];
    const x = tf.tensor(randomArray(n * h * w * c, 9), [n, h, w, c]);
    const dy = tf.tensor(randomArray(tf.util.sizeFromShape(pooled), 10), pooled);
    const outs = [tf.zeros(pooled), tf.zeros(pooled), tf.zeros(x.shape), tf.zeros(x.shape)];
    const at = (t: tf.Tensor) => memoryOffset(backend, t);
    const rows = n * (h / ph);
    const common = [rows, h / ph, h, w, c, ph, pw, w / pw, ph * pw];
    generic['pool4']!(at(x), at(outs[0]!), 0, ...common, 1.7, 0);
    window['pool']!(at(x), at(outs[1]!), rows, 1.7);
    generic['poolGrad4']!(at(x), at(outs[2]!), at(dy), ...common, 1.7, 1e-6);
    window['poolGrad']!(at(x), at(outs[3]!), at(dy), rows, 1.7, 1e-6);
    const [a, b, da, db] = outs.map((t) => Array.from(t.dataSync()));
    expect(b).toEqual(a);
    expect(db).toEqual(da);
    expect(a!.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, dy, ...outs]);
  });

  test('leaks nothing; a bad input is refused with a message', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 4, 4, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.engine().runKernel('LipnetL2Pool', { x }, { poolSize: [2, 2], scale: 1 });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => tf.engine().runKernel('LipnetL2Pool', { x: tf.ones([4, 4]) }, { poolSize: [2, 2], scale: 1 })).toThrow(
      WasmKernelsError,
    );
    expect(() =>
      tf
        .engine()
        .runKernel('LipnetL2PoolGrad', { x, dy: tf.ones([1, 4, 4, 4]) }, { poolSize: [2, 2], scale: 1, eps: 0 }),
    ).toThrow(/pooled shape/);
    x.dispose();
  });
});
