/**
 * The Winograd F(2×2, 3×3) convolution: its filter transform against the
 * closed form G g Gᵀ, the generated module on its own (every tuning, odd and
 * even sizes, paddings of 0–2 on either side, block layouts with a shorter
 * last block) against the cpu backend's 'valid' convolution of the
 * zero-padded input, to 1e-5 of the output's largest magnitude.
 */
import * as tf from '@tensorflow/tfjs-core';
import { winogradModuleBytes } from '../src/wasm-kernels/winograd-simd';
import { winogradPlan, type WinogradGeometry, type WinogradTuning } from '../src/wasm-kernels/winograd-blocks';
import { winogradFilter } from '../src/wasm-kernels/winograd-transforms';
import { configureRelaxedSimd, relaxedSimdEnabled } from '../src';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';
import { WINOGRAD_G, callOnWasm, geometry, paddedForValid } from './winograd-helpers';

beforeAll(async () => {
  await initWasm();
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});

test('the filter transform is G g Gᵀ (G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]) per channel pair', () => {
  const [c, k] = [2, 3];
  const g = randomArray(9 * c * k, 11);
  const u = winogradFilter(g, c, k);
  for (let e = 0; e < c * k; e++)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let want = 0;
        for (let r = 0; r < 3; r++)
          for (let s = 0; s < 3; s++) want += WINOGRAD_G[i]![r]! * g[(3 * r + s) * c * k + e]! * WINOGRAD_G[j]![s]!;
        expect(u[(4 * i + j) * c * k + e]).toBeCloseTo(want, 6);
      }
});

/** Runs the module on x [n, h, w, C] and returns y [n, oH, oW, K]. */
async function moduleConv(
  g: WinogradGeometry,
  n: number,
  x: Float32Array,
  w: Float32Array,
  tuning: WinogradTuning,
  relaxed: boolean,
) {
  const size = n * g.oh * g.ow * g.k;
  const all = await callOnWasm(winogradModuleBytes(g, tuning, relaxed), 'conv', n, () => [
    tf.tensor(x),
    tf.tensor(winogradFilter(w, g.c, g.k)),
    tf.fill([size + 4], NaN), // every output is written, nothing past it
    tf.fill([winogradPlan(g, tuning).scratchBytes / 4], NaN), // read only after being written
  ]);
  expect(Array.from(all.subarray(size)).every(Number.isNaN)).toBe(true);
  return { values: all.subarray(0, size), shape: [n, g.oh, g.ow, g.k] };
}

const GEOMETRIES: Array<[string, WinogradGeometry, number]> = [
  ["demo4 conv2 'same' (14×14, C = 16, K = 32)", geometry(14, 14, 16, 32, 14, 14, 1, 1), 2],
  ["demo4 conv2's dx (C = 32, K = 16)", geometry(14, 14, 32, 16, 14, 14, 1, 1), 1],
  ["odd 7×5 'valid', C = 4, K = 4", geometry(7, 5, 4, 4, 9, 7, 0, 0), 3],
  ["odd 9×11 'same', C = 8, K = 12 (3 groups)", geometry(9, 11, 8, 12, 9, 11, 1, 1), 2],
  ["1×1 output 'valid', C = 8, K = 8", geometry(1, 1, 8, 8, 3, 3, 0, 0), 2],
  ['padding 2 on top, x wider than read (columns dropped)', geometry(6, 5, 4, 8, 5, 8, 2, 0), 2],
  ['padding 2 on the left, 3 below', geometry(5, 4, 8, 4, 4, 3, 0, 2), 1],
];

const TUNINGS: WinogradTuning[] = [
  { blockTiles: 32, unroll: 4 },
  { blockTiles: 1, unroll: 1 },
  { blockTiles: 10, unroll: 2 },
  { blockTiles: 1000, unroll: 4 },
];

describe.each(GEOMETRIES)('%s', (_name, g, n) => {
  const x = randomArray(n * g.h * g.w * g.c, 3);
  const w = randomArray(9 * g.c * g.k, 4);
  let want: { values: Float32Array; shape: number[] };
  beforeAll(async () => {
    // The module reads the padded input's first oH + 2 rows and oW + 2 columns.
    [want] = (await runOn('cpu', () =>
      tf.conv2d(paddedForValid(x, n, g), tf.tensor4d(w, [3, 3, g.c, g.k]), 1, 'valid'),
    )) as [typeof want];
  });

  test.each(TUNINGS.map((t) => [`${t.blockTiles} tiles a block, channels unrolled ×${t.unroll}`, t] as const))(
    '%s',
    async (_l, tuning) => {
      for (const relaxed of [false, true]) expectRelClose(await moduleConv(g, n, x, w, tuning, relaxed), want, 1e-5);
    },
  );
});

test('the plan: whole tile rows per block, a shorter last block, scratch for V and M of one block and the staged rows', () => {
  const p = winogradPlan(geometry(14, 13, 16, 32, 14, 13, 1, 1), { blockTiles: 32, unroll: 4 });
  expect(p).toMatchObject({ tilesH: 7, tilesW: 7, hp: 16, wp: 16, blockRows: 4, lastRows: 3, blocks: 2 });
  // V and M of 28 tiles, then 2·4 + 2 staged rows of 16 pixels.
  expect(p.stagingOffset).toBe(4 * 16 * 28 * (16 + 32));
  expect(p.scratchBytes).toBe(p.stagingOffset + 4 * 10 * 16 * 16);
});
