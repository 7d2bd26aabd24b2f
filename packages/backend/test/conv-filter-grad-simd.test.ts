/**
 * The direct WebAssembly SIMD Conv2DBackpropFilter module, run on its own with
 * every tile shape and block height (the kernel picks one of each per geometry):
 * equal to the cpu backend's Conv2DBackpropFilter to 1e-5, tiles grouped by their
 * code, the table covering every (tap, channel group) once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  chooseTile,
  filterGradModuleBytes,
  tileGroups,
  tileTable,
  type FilterGradGeometry,
  type TileShape,
} from '../src/wasm-kernels/conv-filter-grad-simd';
import { memoryOffset } from '../src/wasm-kernels/wasm-encoding';
import { configureRelaxedSimd, relaxedSimdEnabled } from '../src';
import { expectRelClose, initWasm, randomArray, runOn } from './helpers';

beforeAll(async () => {
  await initWasm();
  // Relaxed SIMD (f32x4.relaxed_madd) is tested too: Node 20's V8 has it behind a flag that this sets.
  configureRelaxedSimd('on');
  expect(relaxedSimdEnabled()).toBe(true);
});

/** dW by the module with `shape` and `rows` per block, on x already padded ('valid' geometry on xp). */
async function moduleDw(
  g: FilterGradGeometry,
  n: number,
  xp: Float32Array,
  dy: Float32Array,
  shape: TileShape,
  rows: number,
  relaxed: boolean,
) {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const memory = (backend.wasm as unknown as { asm: { memory: WebAssembly.Memory } }).asm.memory;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(filterGradModuleBytes(g, shape, rows, relaxed)), {
    env: { memory },
  });
  const xt = tf.tensor(xp);
  const dyt = tf.tensor(dy);
  const table = tf.tensor(tileTable(g, shape), undefined, 'int32');
  const out = tf.zeros([g.fh * g.fw * g.c * g.k]);
  (inst.exports['dw'] as (...a: number[]) => void)(
    memoryOffset(backend, xt),
    memoryOffset(backend, dyt),
    memoryOffset(backend, out),
    n,
    memoryOffset(backend, table),
  );
  const values = Float32Array.from(out.dataSync());
  tf.dispose([xt, dyt, table, out]);
  await tf.setBackend('cpu');
  return { values, shape: [g.fh, g.fw, g.c, g.k] };
}

const GEOMETRIES: Array<[string, FilterGradGeometry, number]> = [
  ['demo4 conv1 (C = 1)', { oh: 6, ow: 7, fh: 3, fw: 3, c: 1, k: 16 }, 3],
  ['demo4 conv2 (C = 16)', { oh: 4, ow: 5, fh: 3, fw: 3, c: 16, k: 32 }, 2],
  ['C = 3, K = 12, 2×4 filter', { oh: 6, ow: 3, fh: 2, fw: 4, c: 3, k: 12 }, 2],
];
const SHAPES: TileShape[] = [
  { taps: 1, vecs: 1 },
  { taps: 4, vecs: 2 },
  { taps: 2, vecs: 4 },
  { taps: 3, vecs: 2 },
  { taps: 8, vecs: 1 },
  { taps: 5, vecs: 1 },
];

describe.each(GEOMETRIES)('%s', (_name, g, n) => {
  const hp = g.oh + g.fh - 1;
  const wp = g.ow + g.fw - 1;
  const xp = randomArray(n * hp * wp * g.c, 7);
  const dy = randomArray(n * g.oh * g.ow * g.k, 8);
  let want: { values: Float32Array; shape: number[] };
  beforeAll(async () => {
    [want] = (await runOn(
      'cpu',
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor4d(xp, [n, hp, wp, g.c]), dy: tf.tensor4d(dy, [n, g.oh, g.ow, g.k]) },
            { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [g.fh, g.fw, g.c, g.k] },
          ) as tf.Tensor,
    )) as [typeof want];
  });

  test.each(SHAPES.map((s) => [`${s.taps} taps × ${s.vecs} channel groups`, s] as const))('%s', async (_l, shape) => {
    const vecs = Math.min(shape.vecs, g.k / 4);
    for (const rows of [1, g.oh / 2, g.oh].filter((r) => Number.isInteger(r))) {
      for (const relaxed of [false, true])
        expectRelClose(await moduleDw(g, n, xp, dy, { taps: shape.taps, vecs }, rows, relaxed), want, 1e-5);
    }
  });

  test('the table lists every (tap, channel group) once, grouped by code', () => {
    const shape = chooseTile(g.fh * g.fw * g.c, g.k / 4);
    const groups = tileGroups(g, shape);
    const seen = new Set<string>();
    for (const { tiles } of groups) {
      for (const t of tiles) {
        expect(t.taps).toBe(tiles[0]!.taps);
        expect(t.vecs).toBe(tiles[0]!.vecs);
        for (let a = 0; a < t.taps; a++) for (let v = 0; v < t.vecs; v++) seen.add(`${t.tap0 + a}/${t.kv0 + v}`);
      }
    }
    expect(seen.size).toBe(g.fh * g.fw * g.c * (g.k / 4));
    expect(tileTable(g, shape).length).toBe(3 * groups.reduce((s, gr) => s + gr.tiles.length, 0));
  });
});

test('the tile choice keeps within 8 accumulators and prefers square-ish tiles', () => {
  expect(chooseTile(144, 8)).toEqual({ taps: 4, vecs: 2 });
  expect(chooseTile(9, 4)).toEqual({ taps: 2, vecs: 4 });
  for (const [p, kv] of [
    [1, 1],
    [3, 5],
    [100, 16],
  ] as const) {
    const t = chooseTile(p, kv);
    expect(t.taps * t.vecs).toBeLessThanOrEqual(8);
    expect(t.taps).toBeLessThanOrEqual(p);
    expect(t.vecs).toBeLessThanOrEqual(kv);
  }
});
