/**
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on wasm through the
 * Winograd F(2×2, 3×3) path: equal to the cpu backend to 1e-5 of the output's largest magnitude on
 * demo4's geometries, odd sizes, 'same' and 'valid', batch 1 and 3, C and K in
 * {4, 8, 16, 32}; the Winograd module is the one compiled where the rule says
 * so and none is for geometries it does not cover; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compiledModuleKeys, configureRelaxedSimd, setConvWinograd, winogradApplies, type WinogradMode } from '../src';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';

beforeAll(async () => {
  await initWasm();
  configureRelaxedSimd('on');
});
afterEach(() => {
  setConvWinograd('auto');
});

interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  pad: 'same' | 'valid';
  stride?: number;
  dilation?: number;
}

/** y = conv2d(x, f), dx = ∂Σ(y·g)/∂x (Conv2DBackpropInput), dW = ∂Σ(y·g)/∂f (Conv2DBackpropFilter) for fixed random x, f, g. */
function convAndDx(c: Case, seed: number) {
  const xv = randomArray(tf.util.sizeFromShape(c.x), seed);
  const fv = randomArray(tf.util.sizeFromShape(c.f), seed + 1);
  const conv = (x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, c.stride ?? 1, c.pad, 'NHWC', c.dilation ?? 1);
  return () => {
    const x = tf.tensor4d(xv, c.x);
    const f = tf.tensor4d(fv, c.f);
    const y = conv(x, f);
    const g = tf.tensor(randomArray(y.size, seed + 2), y.shape);
    // (tfjs has no gradient for dilated convolutions: y alone there.)
    if ((c.dilation ?? 1) > 1) return [y, y, y];
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), g)),
    )([x, f]);
    return [y, dx!, df!];
  };
}

/** The Winograd modules compiled while `fn` ran on wasm with `mode` (keys new since the start). */
async function winogradKeysOf(fn: () => tf.Tensor[], mode: WinogradMode) {
  setConvWinograd(mode);
  const before = new Set(compiledModuleKeys());
  const out = await runOn('wasm', fn);
  return { out, keys: compiledModuleKeys().filter((k) => !before.has(k) && k.startsWith('LipnetConvWinograd')) };
}

const label = (c: Case) =>
  `x[${c.x.join(',')}] f[${c.f.join(',')}] ${c.pad}${c.stride ? ` stride ${c.stride}` : ''}${c.dilation ? ` dilation ${c.dilation}` : ''}`;

const COVERED: Case[] = [
  { x: [1, 14, 14, 16], f: [3, 3, 16, 32], pad: 'same' }, // demo4 conv2 (its dx: 32 → 16 channels)
  { x: [3, 14, 14, 16], f: [3, 3, 16, 32], pad: 'same' },
  { x: [2, 9, 7, 8], f: [3, 3, 8, 8], pad: 'same' },
  { x: [2, 9, 7, 8], f: [3, 3, 8, 4], pad: 'valid' },
  { x: [1, 11, 10, 32], f: [3, 3, 32, 8], pad: 'valid' },
  { x: [3, 5, 6, 4], f: [3, 3, 4, 16], pad: 'same' },
  { x: [2, 3, 3, 4], f: [3, 3, 4, 4], pad: 'valid' },
];

describe('covered geometries equal the cpu backend to 1e-5 (y, dx and dW)', () => {
  test.each(COVERED.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
    const fn = convAndDx(c, 300 + 10 * i);
    const [yCpu, dxCpu, dwCpu] = await runOn('cpu', fn);
    for (const mode of ['auto', 'off'] as const) {
      const { out, keys } = await winogradKeysOf(fn, mode);
      expectRelClose(out[0]!, yCpu!, 1e-5);
      expectRelClose(out[1]!, dxCpu!, 1e-5);
      expectRelClose(out[2]!, dwCpu!, 1e-5);
      // The forward conv and dW (oH × oW, C → K) and dx's (H × W, K → C) where the rule says so; modules are compiled once
      // per process, so the ones expected must exist and no other one may appear.
      const [, h, w, cin] = c.x;
      const kout = c.f[3];
      const [oh, ow] = c.pad === 'same' ? [h, w] : [h - 2, w - 2];
      const expected = [
        ...(winogradApplies(3, 3, cin, kout)
          ? [`LipnetConvWinograd ${oh},${ow},${cin},${kout}`, `LipnetConvWinogradFilterGrad ${oh},${ow},${cin},${kout}`]
          : []),
        ...(winogradApplies(3, 3, kout, cin) ? [`LipnetConvWinograd ${h},${w},${kout},${cin}`] : []),
      ];
      if (mode === 'auto') expect(expected.length).toBeGreaterThan(0);
      else expect(keys).toEqual([]);
      const all = compiledModuleKeys().map((k) => k.replace(/ from .*$/, ''));
      for (const k of expected) expect(all).toContain(k);
      for (const k of keys) expect(expected).toContain(k.replace(/ from .*$/, ''));
    }
  });

  test('the rule: 3×3 with C and K multiples of 4 in auto; never in off', () => {
    expect(winogradApplies(3, 3, 16, 32)).toBe(true);
    expect(winogradApplies(3, 3, 32, 16)).toBe(true);
    expect(winogradApplies(3, 3, 8, 4)).toBe(true);
    expect(winogradApplies(3, 3, 4, 16)).toBe(true);
    expect(winogradApplies(3, 3, 1, 16)).toBe(false); // demo4 conv1
    expect(winogradApplies(3, 3, 12, 6)).toBe(false);
    expect(winogradApplies(5, 5, 16, 16)).toBe(false);
    expect(winogradApplies(3, 3, 4, 4)).toBe(true);
    expect(winogradApplies(3, 3, 4, 6)).toBe(false);
    setConvWinograd('off');
    expect(winogradApplies(3, 3, 16, 32)).toBe(false);
    expect(() => setConvWinograd('sometimes' as WinogradMode)).toThrow(/'auto' or 'off'/);
  });
});

const NOT_COVERED: Case[] = [
  { x: [2, 8, 8, 12], f: [3, 3, 12, 6], pad: 'same' }, // K % 4 ≠ 0 (the forward conv is stock, dx direct)
  { x: [2, 8, 8, 6], f: [3, 3, 6, 8], pad: 'same' }, // C % 4 ≠ 0
  { x: [2, 9, 9, 8], f: [5, 5, 8, 8], pad: 'same' }, // 5×5
  { x: [2, 9, 9, 8], f: [3, 3, 8, 8], pad: 'same', stride: 2 },
  { x: [2, 9, 9, 8], f: [3, 3, 8, 8], pad: 'same', dilation: 2 },
  { x: [2, 12, 12, 1], f: [3, 3, 1, 16], pad: 'same' }, // demo4 conv1
];

describe('other geometries run without Winograd and equal the cpu backend to 1e-5', () => {
  test.each(NOT_COVERED.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
    const fn = convAndDx(c, 500 + 10 * i);
    const [yCpu, dxCpu, dwCpu] = await runOn('cpu', fn);
    const { out, keys } = await winogradKeysOf(fn, 'auto');
    expectRelClose(out[0]!, yCpu!, 1e-5);
    expectRelClose(out[1]!, dxCpu!, 1e-5);
    expectRelClose(out[2]!, dwCpu!, 1e-5);
    // demo4 conv1's dx has 16 → 1 channels (C = 1 out): never Winograd either.
    expect(keys).toEqual([]);
  });
});

test('empty batches and empty outputs (a 2×2 input, valid): zeros of the right shapes, as the cpu backend', async () => {
  for (const c of [
    { x: [0, 6, 6, 8], f: [3, 3, 8, 8], pad: 'same' },
    { x: [2, 2, 2, 8], f: [3, 3, 8, 8], pad: 'valid' },
  ] as Case[]) {
    const fn = () => {
      const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.x), 1), c.x);
      const f = tf.tensor4d(randomArray(tf.util.sizeFromShape(c.f), 2), c.f);
      const y = tf.conv2d(x, f, 1, c.pad);
      const dw = tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 1, c.pad)))(f);
      return [y, dw];
    };
    const [yCpu, dwCpu] = await runOn('cpu', fn);
    const [yWasm, dwWasm] = await runOn('wasm', fn);
    expect(yWasm!.shape).toEqual(yCpu!.shape);
    expect(Array.from(yWasm!.values)).toEqual(Array.from(yCpu!.values));
    expect(Array.from(dwWasm!.values)).toEqual(Array.from(dwCpu!.values));
  }
});

test('repeated calls leak no tensors and do not grow the heap', async () => {
  const fn = convAndDx({ x: [4, 14, 14, 16], f: [3, 3, 16, 32], pad: 'same' }, 7);
  await runOn('wasm', fn);
  await runOn('wasm', fn);
  const backend = tf.findBackend('wasm') as unknown as {
    numDataIds(): number;
    wasm: { asm: { memory: WebAssembly.Memory } };
  };
  const ids = backend.numDataIds();
  const heap = backend.wasm.asm.memory.buffer.byteLength;
  for (let i = 0; i < 5; i++) await runOn('wasm', fn);
  expect(backend.numDataIds()).toBe(ids);
  expect(backend.wasm.asm.memory.buffer.byteLength).toBe(heap);
});
