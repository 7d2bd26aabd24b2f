/**
 * The Winograd F(2×2, 3×3) filter gradient: the generated module (Ŝ) then
 * Gᵀ Ŝ G, on its own (every block layout, odd and even sizes) against the cpu
 * backend's conv2dBackpropFilter of the zero-padded input ('valid'), to 1e-5 of
 * the gradient's largest magnitude; Gᵀ Ŝ G against the closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { winogradPlan, type WinogradGeometry, type WinogradTuning } from '../src/wasm-kernels/winograd-blocks';
import { winogradFilterGradModuleBytes } from '../src/wasm-kernels/winograd-filter-grad-simd';
import { winogradFilterGrad } from '../src/wasm-kernels/winograd-transforms';
import { configureRelaxedSimd, relaxedSimdEnabled } from '../src';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';
import { WINOGRAD_G, callOnWasm, geometry, paddedForValid } from './winograd-helpers';

beforeAll(async () => {
  await initWasm();
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});

test('dW = Gᵀ Ŝ G (G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]) per channel pair', () => {
  const [c, k] = [2, 2];
  const s = randomArray(16 * c * k, 21);
  const dw = winogradFilterGrad(s, c, k);
  for (let e = 0; e < c * k; e++)
    for (let r = 0; r < 3; r++)
      for (let q = 0; q < 3; q++) {
        let want = 0;
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++) want += WINOGRAD_G[i]![r]! * s[(4 * i + j) * c * k + e]! * WINOGRAD_G[j]![q]!;
        expect(dw[(3 * r + q) * c * k + e]).toBeCloseTo(want, 6);
      }
});

/** Runs the module on x [n, h, w, C] and dy [n, oH, oW, K], then Gᵀ Ŝ G: dW [3, 3, C, K]. */
async function moduleGrad(
  g: WinogradGeometry,
  n: number,
  x: Float32Array,
  dy: Float32Array,
  tuning: WinogradTuning,
  relaxed: boolean,
) {
  const size = 16 * g.c * g.k;
  const sv = await callOnWasm(winogradFilterGradModuleBytes(g, tuning, relaxed), 'dw', n, () => [
    tf.tensor(x),
    tf.tensor(dy),
    tf.zeros([size + 4]),
    tf.fill([winogradPlan(g, tuning).scratchBytes / 4], NaN), // read only after being written
  ]);
  expect(Array.from(sv.subarray(size))).toEqual([0, 0, 0, 0]); // nothing written past Ŝ
  return { values: winogradFilterGrad(sv, g.c, g.k), shape: [3, 3, g.c, g.k] };
}

const GEOMETRIES: Array<[string, WinogradGeometry, number]> = [
  ["demo4 conv2 'same' (14×14, C = 16, K = 32)", geometry(14, 14, 16, 32, 14, 14, 1, 1), 2],
  ["odd 7×5 'valid', C = 4, K = 4", geometry(7, 5, 4, 4, 9, 7, 0, 0), 3],
  ["odd 9×11 'same', C = 8, K = 12 (3 groups)", geometry(9, 11, 8, 12, 9, 11, 1, 1), 2],
  ["C = 32, K = 8, 6×3 'valid'", geometry(6, 3, 32, 8, 8, 5, 0, 0), 1],
  ['C = 12 (channel tiles of 4), K = 16, padding 2 on top, x wider than read', geometry(4, 4, 12, 16, 3, 7, 2, 0), 2],
];

const TUNINGS: WinogradTuning[] = [
  { blockTiles: 32, unroll: 1 },
  { blockTiles: 1, unroll: 1 },
  { blockTiles: 1000, unroll: 1 },
];

describe.each(GEOMETRIES)('%s', (_name, g, n) => {
  const x = randomArray(n * g.h * g.w * g.c, 5);
  const dy = randomArray(n * g.oh * g.ow * g.k, 6);
  let want: { values: Float32Array; shape: number[] };
  beforeAll(async () => {
    [want] = (await runOn(
      'cpu',
      () =>
        tf.engine().runKernel(
          'Conv2DBackpropFilter',
          {
            x: paddedForValid(x, n, g),
            dy: tf.tensor4d(dy, [n, g.oh, g.ow, g.k]),
          },
          { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, g.c, g.k] },
        ) as tf.Tensor,
    )) as [typeof want];
  });

  test.each(TUNINGS.map((t) => [`${t.blockTiles} tiles a block`, t] as const))('%s', async (_l, tuning) => {
    for (const relaxed of [false, true]) expectRelClose(await moduleGrad(g, n, x, dy, tuning, relaxed), want, 1e-5);
  });
});
