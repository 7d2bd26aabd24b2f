/**
 * The direct WebAssembly SIMD convolution module (Conv2D and, on dy with the
 * flipped filter, Conv2DBackpropInput), run on its own with every register tile
 * the generator accepts: equal to the cpu backend's 'valid' convolution of the
 * padded input to 1e-5; the tap table lists each tap's offsets.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  choosePixelTile,
  forwardModuleBytes,
  tapTable,
  type ForwardGeometry,
  type PixelTile,
} from '../src/wasm-kernels/conv-forward-simd';
import { memoryOffset } from '../src/wasm-kernels/wasm-encoding';
import { configureRelaxedSimd, relaxedSimdEnabled } from '../src';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';

beforeAll(async () => {
  await initWasm();
  // Relaxed SIMD (f32x4.relaxed_madd) is tested too: Node 20's V8 has it behind a flag that this sets.
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});

async function moduleConv(
  g: ForwardGeometry,
  n: number,
  xp: Float32Array,
  w: Float32Array,
  tile: PixelTile,
  relaxed: boolean,
) {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const memory = (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(forwardModuleBytes(g, tile, relaxed)), {
    env: { memory },
  });
  const xt = tf.tensor(xp);
  const wt = tf.tensor(w);
  const table = tf.tensor(tapTable(g), undefined, 'int32');
  const y = tf.fill([n * g.oh * g.ow * g.k], NaN); // every output is written
  (inst.exports['conv'] as (...a: number[]) => void)(
    memoryOffset(backend, xt),
    memoryOffset(backend, wt),
    memoryOffset(backend, y),
    n,
    memoryOffset(backend, table),
  );
  const values = Float32Array.from(y.dataSync());
  tf.dispose([xt, wt, table, y]);
  await tf.setBackend('cpu');
  return { values, shape: [n, g.oh, g.ow, g.k] };
}

const GEOMETRIES: Array<[string, ForwardGeometry, number]> = [
  ['demo4 conv1 (C = 1)', { oh: 5, ow: 7, fh: 3, fw: 3, c: 1, k: 16 }, 2],
  ['demo4 conv2 (C = 16)', { oh: 4, ow: 5, fh: 3, fw: 3, c: 16, k: 32 }, 2],
  ['C = 3, K = 12, 2×4 filter, odd width', { oh: 3, ow: 7, fh: 2, fw: 4, c: 3, k: 12 }, 3],
];

describe.each(GEOMETRIES)('%s', (_name, g, n) => {
  const hp = g.oh + g.fh - 1;
  const wp = g.ow + g.fw - 1;
  const xp = randomArray(n * hp * wp * g.c, 3);
  const w = randomArray(g.fh * g.fw * g.c * g.k, 4);
  let want: { values: Float32Array; shape: number[] };
  beforeAll(async () => {
    [want] = (await runOn('cpu', () =>
      tf.conv2d(tf.tensor4d(xp, [n, hp, wp, g.c]), tf.tensor4d(w, [g.fh, g.fw, g.c, g.k]), 1, 'valid'),
    )) as [typeof want];
  });

  const tiles: PixelTile[] = [
    choosePixelTile(g),
    { pixels: 1, vecs: 1 },
    { pixels: 3, vecs: 1 },
    { pixels: 4, vecs: 2 },
    { pixels: 8, vecs: 1 },
  ].filter((t) => (g.k / 4) % t.vecs === 0);
  test.each(tiles.map((t) => [`${t.pixels} pixels × ${t.vecs} channel groups`, t] as const))('%s', async (_l, tile) => {
    for (const relaxed of [false, true]) expectRelClose(await moduleConv(g, n, xp, w, tile, relaxed), want, 1e-5);
  });

  test('the tap table holds each tap (r, s, c): its x offset and its W row', () => {
    const t = tapTable(g);
    expect(t.length).toBe(2 * g.fh * g.fw * g.c);
    const last = g.fh * g.fw * g.c - 1;
    expect([t[2 * last], t[2 * last + 1]]).toEqual([
      4 * (((g.fh - 1) * wp + g.fw - 1) * g.c + g.c - 1),
      4 * last * g.k,
    ]);
  });
});

test('the pixel tile: 2 × 4 groups where K allows, ≤ 8 accumulators, never wider than the row', () => {
  expect(choosePixelTile({ oh: 14, ow: 14, fh: 3, fw: 3, c: 16, k: 32 })).toEqual({ pixels: 2, vecs: 4 });
  expect(choosePixelTile({ oh: 9, ow: 9, fh: 3, fw: 3, c: 2, k: 12 })).toEqual({ pixels: 8, vecs: 1 });
  expect(choosePixelTile({ oh: 9, ow: 1, fh: 3, fw: 1, c: 2, k: 8 })).toEqual({ pixels: 1, vecs: 2 });
});
