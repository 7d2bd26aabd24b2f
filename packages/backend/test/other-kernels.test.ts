import * as tf from '@tensorflow/tfjs-core';
import { configureRelaxedSimd, relaxedSimdEnabled, setRelaxedSimd } from '../src';
import { panelRows } from '../src/wasm-kernels/gemm-simd';
import { compiledModuleKeys } from '../src/wasm-kernels/wasm-encoding';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';

beforeAll(async () => {
  await initWasm();
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});
afterEach(() => {
  setRelaxedSimd('auto');
});

const t = (shape: number[], seed: number) => tf.tensor(randomArray(tf.util.sizeFromShape(shape), seed), shape);

async function sameOnBoth(fn: () => tf.Tensor | tf.Tensor[], rel = 1e-5) {
  const cpu = await runOn('cpu', fn);
  const wasm = await runOn('wasm', fn);
  cpu.forEach((c, i) => expectRelClose(wasm[i]!, c, rel));
}

describe('BatchMatMul on wasm equals cpu to 1e-5', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['plain 2-D', [7, 5], [5, 3], false, false],
    ['transposeA (dense dW = xᵀ·dy)', [9, 6], [9, 4], true, false],
    ['transposeB (dense dx = dy·Wᵀ)', [9, 4], [6, 4], false, true],
    ['both transposed', [5, 7], [3, 5], true, true],
    ['batched a, single b folded into one GEMM', [3, 4, 5], [5, 2], false, false],
    ['batched a transposed, single b', [3, 5, 4], [5, 2], true, false],
    ['batched both', [2, 4, 5], [2, 5, 3], false, false],
    ['batched both, transposed', [2, 5, 4], [2, 3, 5], true, true],
    ['Björck-sized kernel WᵀW', [49, 16], [49, 16], true, false],
    // lipnet's generated GEMM (n % 4 = 0, ≥ 2¹⁵ multiply-adds): odd rows, a narrower last column block, …
    ['direct GEMM: 67 rows, 36 columns', [67, 130], [130, 36], false, false],
    ['direct GEMM: B in three panels of k', [3, 4200], [4200, 8], false, false],
    ['direct GEMM: Aᵀ·B as (Bᵀ·A)ᵀ (a dense layer dW)', [300, 64], [300, 8], true, false],
    ['direct GEMM: transposeB (a dense layer dx)', [33, 64], [1568, 64], false, true],
    ['direct GEMM: batched a folded, single b', [2, 40, 50], [50, 20], false, false],
  ];
  test.each(cases)('%s', async (_n, sa, sb, ta, tb) => {
    // Relaxed SIMD's fused multiply-add, then the plain multiply and add.
    await sameOnBoth(() => tf.matMul(t(sa, 1), t(sb, 2), ta, tb));
    setRelaxedSimd('off');
    await sameOnBoth(() => tf.matMul(t(sa, 1), t(sb, 2), ta, tb));
  });

  test('the direct cases ran on the generated GEMM (B of 4200 rows: three panels)', () => {
    expect(panelRows(4200)).toBe(1400);
    const keys = compiledModuleKeys();
    for (const kn of ['130,36', '4200,8', '300,64', '64,1568', '50,20'])
      expect(keys.filter((k) => k.startsWith(`LipnetGemm ${kn}`))).toHaveLength(2); // relaxed and plain
  });

  test('the generated GEMM frees its scratch panel', async () => {
    await runOn('wasm', () => tf.matMul(t([40, 100], 1), t([100, 16], 2)));
    const backend = tf.findBackend('wasm');
    const ids = backend.numDataIds();
    await runOn('wasm', () => tf.matMul(t([40, 100], 1), t([100, 16], 2)));
    expect(backend.numDataIds()).toBe(ids);
  });

  test('gradients of a matMul chain (all transpose combinations in the backward pass)', async () => {
    await sameOnBoth(() => {
      const a = t([6, 5], 3);
      const b = t([5, 4], 4);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D))),
      );
      return g([a, b]);
    });
  });

  test('one tensor used as the right operand under two different views gives both right answers', async () => {
    // XNNPACK caches its packed right operand by tensor id only: the second
    // view must not reuse the first packing.
    await sameOnBoth(() => {
      const b = t([4, 6], 5);
      const first = tf.matMul(t([3, 4], 6), b);
      const second = tf.matMul(t([2, 8], 7), tf.reshape(b, [8, 3]));
      const third = tf.matMul(t([5, 4], 8), b);
      return [first, second, third];
    });
  });
});

describe('AvgPoolGrad on wasm equals cpu to 1e-5', () => {
  const cases: [string, number[], [number, number], number, 'same' | 'valid'][] = [
    ['2×2/2 tiling (demo4)', [2, 8, 8, 3], [2, 2], 2, 'valid'],
    ['2×2/2 same on even input', [1, 6, 6, 2], [2, 2], 2, 'same'],
    ['3×3/3 tiling', [1, 9, 6, 2], [3, 3], 3, 'valid'],
    ['overlapping 3×3/2 (stock fallback)', [2, 7, 7, 2], [3, 3], 2, 'same'],
    ['odd input 2×2/2 valid (stock fallback)', [1, 7, 7, 2], [2, 2], 2, 'valid'],
  ];
  test.each(cases)('%s', async (_n, shape, pool, stride, pad) => {
    await sameOnBoth(() => {
      const x = t(shape, 9);
      const y = tf.avgPool(x as tf.Tensor4D, pool, stride, pad);
      const g = t(y.shape, 10);
      return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(z as tf.Tensor4D, pool, stride, pad), g)))(x);
    });
  });
});

describe('Sum on wasm equals cpu to 1e-5', () => {
  const cases: [string, number[], number[], boolean][] = [
    ['conv bias gradient: axes 0,1,2', [3, 6, 6, 5], [0, 1, 2], false],
    ['three rounds of the 4-row depthwise cascade (1024 → 16 rows)', [4, 16, 16, 3], [0, 1, 2], false],
    ['dense bias gradient: axis 0', [12, 7], [0], false],
    ['prime number of rows', [7, 5], [0], false],
    ['keepDims', [4, 3, 2], [0, 1], true],
    ['inner axes (stock)', [4, 3, 2], [1, 2], false],
    ['middle axis (stock)', [4, 3, 2], [1], false],
    ['everything (stock)', [4, 3, 2], [0, 1, 2], false],
  ];
  test.each(cases)('%s', async (_n, shape, axes, keepDims) => {
    await sameOnBoth(() => tf.sum(t(shape, 11), axes, keepDims));
  });

  test('int32 sums stay exact (stock path)', async () => {
    const [c] = await runOn('cpu', () =>
      tf.cast(
        tf.sum(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
            [3, 2],
            'int32',
          ),
          0,
        ),
        'float32',
      ),
    );
    const [w] = await runOn('wasm', () =>
      tf.cast(
        tf.sum(
          tf.tensor2d(
            [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
            [3, 2],
            'int32',
          ),
          0,
        ),
        'float32',
      ),
    );
    expect(Array.from(w!.values)).toEqual([9, 12]);
    expect(Array.from(c!.values)).toEqual([9, 12]);
  });
});

describe('Identity on wasm shares the buffer instead of copying', () => {
  test('a clone has the same values, survives the disposal of its source, and frees the buffer with the last owner', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const base = backend.numDataIds();
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(base + 1); // shared, not copied
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4]);
    const z = tf.add(y, 1); // computing from the clone still works
    expect(Array.from(z.dataSync())).toEqual([2.5, -1, 4, 5]);
    tf.dispose([y, z]);
    expect(backend.numDataIds()).toBe(base);
    await tf.setBackend('cpu');
  });
});

describe('Tile on wasm equals cpu exactly', () => {
  const cases: [string, number[], number[], 'float32' | 'int32' | 'bool'][] = [
    ['a per-sample mask over images (attacks)', [10, 1, 1, 1], [1, 28, 28, 1], 'bool'],
    ['every axis repeated', [2, 3, 4], [3, 2, 5], 'float32'],
    ['outer axis only', [3, 5], [4, 1], 'int32'],
    ['inner axis only, odd repeat', [4, 3], [1, 7], 'float32'],
    ['rank 1', [5], [3], 'float32'],
    ['no repeat', [2, 3], [1, 1], 'float32'],
    ['a zero repeat', [2, 3], [0, 2], 'float32'],
  ];
  test.each(cases)('%s', async (_n, shape, reps, dtype) => {
    const values = Array.from(randomArray(tf.util.sizeFromShape(shape), 9), (v) =>
      dtype === 'float32' ? v : v > 0 ? 1 : 0,
    );
    const fn = () => tf.cast(tf.tile(tf.tensor(values, shape, dtype), reps), 'float32');
    const [cpu] = await runOn('cpu', fn);
    const [wasm] = await runOn('wasm', fn);
    expect(wasm!.shape).toEqual(cpu!.shape);
    expect(Array.from(wasm!.values)).toEqual(Array.from(cpu!.values));
  });
});

describe('GatherV2 on wasm equals cpu exactly', () => {
  const cases: [string, number[], number[], number, number, 'float32' | 'int32' | 'bool'][] = [
    ['a training batch: rows of images (axis 0)', [50, 28, 28, 1], [7], 0, 0, 'float32'],
    ['repeated and reversed indices', [6, 5], [3], 0, 0, 'int32'],
    ['inner axis, one element per slice', [4, 9], [5], 1, 0, 'float32'],
    ['middle axis, 2-D indices', [3, 6, 4], [2, 3], 1, 0, 'bool'],
    ['negative axis', [3, 6, 4], [4], -1, 0, 'float32'],
    ['no indices', [6, 5], [0], 0, 0, 'float32'],
    ['batchDims 1 (the stock kernel ignored it)', [3, 6, 4], [3, 2], 1, 1, 'float32'],
    ['batchDims 1, axis 2', [2, 3, 5, 2], [2, 4], 2, 1, 'int32'],
  ];
  test.each(cases)('%s', async (_n, shape, idxShape, axis, batchDims, dtype) => {
    const values = Array.from(randomArray(tf.util.sizeFromShape(shape), 13), (v) =>
      dtype === 'float32' ? v : dtype === 'int32' ? Math.round(v * 100) : v > 0 ? 1 : 0,
    );
    const dim = shape[axis < 0 ? shape.length + axis : axis]!;
    const idx = Array.from({ length: tf.util.sizeFromShape(idxShape) }, (_, i) => (i * 7 + 3) % dim);
    const fn = () =>
      tf.cast(
        tf.gather(tf.tensor(values, shape, dtype), tf.tensor(idx, idxShape, 'int32'), axis, batchDims),
        'float32',
      );
    const [cpu] = await runOn('cpu', fn);
    const [wasm] = await runOn('wasm', fn);
    expect(wasm!.shape).toEqual(cpu!.shape);
    expect(Array.from(wasm!.values)).toEqual(Array.from(cpu!.values));
  });

  test('an output large enough to grow the heap (views taken after the allocation)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(randomArray(8 * 4096, 17), [8, 4096]);
    const idx = tf.tensor1d(
      Int32Array.from({ length: 6000 }, (_, i) => (i * 5) % 8),
      'int32',
    );
    const before = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const y = tf.gather(x, idx);
    const grew = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length > before;
    const rows = y.arraySync();
    const xs = x.arraySync();
    expect(rows.every((r, i) => r[4095] === xs[(i * 5) % 8]![4095] && r[0] === xs[(i * 5) % 8]![0])).toBe(true);
    expect(grew || before > 96 * 2 ** 20).toBe(true); // the 96 MB output either grew the heap or fit in it
    tf.dispose([x, idx, y]);
    await tf.setBackend('cpu');
  });

  test('refuses an out-of-range index as the stock kernel does, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(() => tf.gather(x, tf.tensor1d([0, 5], 'int32'))).toThrow(/index value 5 is not in \[0, 2\]/);
    const before = tf.memory().numTensors;
    tf.tidy(() => void tf.gather(x, tf.tensor1d([2, 0], 'int32')));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    await tf.setBackend('cpu');
  });
});
