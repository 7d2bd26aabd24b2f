import * as tf from '@tensorflow/tfjs-core';
import {
  IM2COL_MAX_PATCH,
  configureRelaxedSimd,
  relaxedSimdEnabled,
  setBackpropFilterRoute,
  setIm2colMaxPatch,
  setRelaxedSimd,
} from '../src';
import { expectRelClose, initWasm, randInt, randomArray, runOn } from './helpers';

type Pad = 'same' | 'valid';
interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const DEMO4: ConvCase[] = [
  { x: [2, 28, 28, 1], f: [3, 3, 1, 16], stride: 1, pad: 'same' }, // demo4 conv1 (im2col route by default)
  { x: [1, 14, 14, 16], f: [3, 3, 16, 32], stride: 1, pad: 'same' }, // demo4 conv2 (swapped-conv route by default)
  { x: [2, 28, 28, 1], f: [3, 3, 1, 16], stride: 2, pad: 'same' },
  { x: [1, 14, 14, 16], f: [3, 3, 16, 32], stride: 2, pad: 'valid' },
  // Big enough to be computed in several chunks (cache-sized blocks): im2col (2 row blocks), x-as-filter (3 sample blocks).
  { x: [12, 28, 28, 1], f: [3, 3, 1, 16], stride: 1, pad: 'same' },
  { x: [3, 32, 32, 48], f: [3, 3, 48, 2], stride: 1, pad: 'same' },
  // The direct SIMD kernel: several tile groups (C = 3 is not a multiple of the 4-tap tiles), K = 12 (3 channel groups), valid and 5×2 filters.
  { x: [2, 11, 9, 3], f: [3, 3, 3, 12], stride: 1, pad: 'same' },
  { x: [2, 11, 9, 6], f: [5, 2, 6, 8], stride: 1, pad: 'valid' },
  // Direct Conv2D and Conv2DBackpropInput (C a multiple of 4): an even filter ('same' pads 0 top, 1 bottom) and 'valid'.
  { x: [2, 7, 6, 8], f: [2, 3, 8, 4], stride: 1, pad: 'same' },
  { x: [2, 7, 6, 8], f: [3, 2, 8, 12], stride: 1, pad: 'valid' },
];

/** Random geometries (seeded): batch 1–3, 5–12 px, 1–6 in, 1–5 out, filter 1–4, stride 1–2, same/valid. */
function randomCases(count: number): ConvCase[] {
  const cases: ConvCase[] = [];
  for (let s = 1; cases.length < count; s += 7) {
    const h = randInt(s, 5, 12);
    const w = randInt(s + 1, 5, 12);
    const fh = randInt(s + 2, 1, 4);
    const fw = randInt(s + 3, 1, 4);
    const stride = randInt(s + 4, 1, 2);
    const pad: Pad = randInt(s + 5, 0, 1) ? 'same' : 'valid';
    if (pad === 'valid' && (fh > h || fw > w)) continue;
    cases.push({
      x: [randInt(s + 6, 1, 3), h, w, randInt(s + 8, 1, 6)],
      f: [fh, fw, 0, randInt(s + 9, 1, 5)],
      stride,
      pad,
    });
    const last = cases[cases.length - 1]!;
    last.f[2] = last.x[3];
  }
  return cases;
}

const label = (c: ConvCase) => `x[${c.x.join(',')}] f[${c.f.join(',')}] stride ${c.stride} ${c.pad}`;

/** dx, dW and y of Σ conv2d(x, f)·g for a fixed random g, through tf.grads (the kernels under test). */
function convGrads(c: ConvCase, seed: number) {
  const xv = randomArray(tf.util.sizeFromShape(c.x), seed);
  const fv = randomArray(tf.util.sizeFromShape(c.f), seed + 1);
  return () => {
    const x = tf.tensor4d(xv, c.x);
    const f = tf.tensor4d(fv, c.f);
    const y = tf.conv2d(x, f, c.stride, c.pad);
    const g = tf.tensor(randomArray(y.size, seed + 2), y.shape);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), g)),
    )([x, f]);
    return [dx!, df!, y];
  };
}

beforeAll(async () => {
  await initWasm();
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});
afterEach(() => {
  setRelaxedSimd('auto');
  setIm2colMaxPatch(IM2COL_MAX_PATCH);
  setBackpropFilterRoute('auto');
});

describe('Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput on wasm equal the cpu backend to 1e-5', () => {
  const cases = [...DEMO4, ...randomCases(10)];
  test.each(cases.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
    const fn = convGrads(c, 100 + 10 * i);
    const [dxCpu, dwCpu, yCpu] = await runOn('cpu', fn);
    for (const route of ['auto', 'winograd', 'direct', 'im2col', 'swapped', 'x-as-filter'] as const) {
      // Every route on every geometry (x-as-filter, winograd and direct fall back to swapped for stride 2, direct and
      // winograd also for K % 4 ≠ 0, winograd for filters other than 3×3 or C not a multiple of 4).
      // (im2col by a one-hot convolution costs (C·fh·fw)² per pixel: not exercised on wide inputs.)
      if (route === 'im2col' && c.f[0] * c.f[1] * c.f[2] > 64) continue;
      setBackpropFilterRoute(route);
      // The direct kernels with relaxed SIMD's fused multiply-add and with the plain multiply and add.
      for (const relaxed of route === 'direct' ? (['auto', 'off'] as const) : (['auto'] as const)) {
        setRelaxedSimd(relaxed);
        const [dxWasm, dwWasm, yWasm] = await runOn('wasm', fn);
        expectRelClose(dwWasm!, dwCpu!, 1e-5);
        expectRelClose(dxWasm!, dxCpu!, 1e-5);
        expectRelClose(yWasm!, yCpu!, 1e-5);
      }
      setRelaxedSimd('auto');
    }
  });

  test('the direct kernels free their temporaries (padded copies, tap tables, flipped filters)', async () => {
    const fn = convGrads(DEMO4[1]!, 5);
    await runOn('wasm', fn);
    const backend = tf.findBackend('wasm');
    const ids = backend.numDataIds();
    for (let i = 0; i < 3; i++) await runOn('wasm', fn);
    expect(backend.numDataIds()).toBe(ids);
  });

  test('the kernels are the ones run (the stock wasm has no Conv2DBackpropFilter)', async () => {
    await tf.setBackend('wasm');
    const k = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(k).toBeDefined();
    const x = tf.ones([1, 4, 4, 1]);
    const dy = tf.ones([1, 4, 4, 2]);
    // Closed form: with 'same' 3×3 padding and all-ones data, dW[r,s] counts the
    // output positions whose tap (r,s) falls inside the 4×4 input: (4−|r−1|·1)·(4−|s−1|·1) → 16, 12, 9.
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 2] },
      ) as tf.Tensor;
    const v = Array.from(dw.dataSync());
    const expected = [9, 12, 9, 12, 16, 12, 9, 12, 9].flatMap((n) => [n, n]);
    expect(v).toEqual(expected);
    tf.dispose([x, dy, dw]);
    await tf.setBackend('cpu');
  });
});
