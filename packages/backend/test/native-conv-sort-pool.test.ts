/**
 * lipnet's fused first-layer ops (LipnetConvBiasPairSortL2Pool and its gradient), when
 * `pnpm native:setup` built them: against the composition they replace on the same backend
 * (Conv2D → LipnetBiasPairSortL2Pool; LipnetBiasPairSortL2PoolGrad → Conv2DBackpropFilter) to
 * 1e-5 relative, against finite differences of the forward op, bit-equal on a second run, each
 * refusal with its message, and no leaked tensors. Skipped (each test returns) without a build.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  CONV_SORT_POOL_OPS,
  convBiasPairSortL2Pool,
  convBiasPairSortL2PoolGrad,
  type ConvSortPoolGradConfig,
} from '../src';
import { refusalOf, releaseNativeOps, seededValues as values, useNativeOps } from './native-ops-setup';

let native = false;

beforeAll(async () => {
  native = await useNativeOps(Object.values(CONV_SORT_POOL_OPS));
});

afterAll(async () => {
  if (!native) return;
  await releaseNativeOps();
});

interface Case {
  name: string;
  x: number[]; // [N, H, W, Cin]
  w: number[]; // [kh, kw, Cin, Cout]
  config: ConvSortPoolGradConfig;
}

function tensors(c: Case, seed = 3) {
  const [n, h, w, cin] = c.x as [number, number, number, number];
  const cout = c.w[3]!;
  const oh = c.config.padding === 'SAME' ? h : h - c.w[0]! + 1;
  const ow = c.config.padding === 'SAME' ? w : w - c.w[1]! + 1;
  const [ph, pw] = c.config.poolSize;
  const dyShape = [n, Math.floor(oh / ph), Math.floor(ow / pw), cout];
  return {
    x: tf.tensor4d(values(n * h * w * cin, 1, seed), [n, h, w, cin]),
    w: tf.tensor4d(
      values(
        c.w.reduce((a, b) => a * b, 1),
        0.5,
        seed + 1,
      ),
      c.w as [number, number, number, number],
    ),
    b: tf.tensor1d(values(cout, 0.2, seed + 2)),
    dy: tf.tensor4d(
      values(
        dyShape.reduce((a, b) => a * b, 1),
        1,
        seed + 3,
      ),
      dyShape as [number, number, number, number],
    ),
  };
}

/** The composition on the same backend: [y, dw, db]. */
function composition(c: Case): tf.Tensor[] {
  return tf.tidy(() => {
    const { x, w, b, dy } = tensors(c);
    const pad = c.config.padding === 'SAME' ? 'same' : 'valid';
    const pool = { poolSize: c.config.poolSize, scale: c.config.scale, eps: c.config.eps };
    const z = tf.conv2d(x, w, 1, pad);
    const y = tf.engine().runKernel('LipnetBiasPairSortL2Pool', { z, b }, pool) as tf.Tensor;
    const [dz, db] = tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, pool) as tf.Tensor[];
    const filter = { strides: 1, pad, dataFormat: 'NHWC', filterShape: c.w };
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz! }, filter) as tf.Tensor;
    return [y, dw, db!];
  });
}

/** The fused ops: [y, dw, db]. */
function fused(c: Case): tf.Tensor[] {
  return tf.tidy(() => {
    const { x, w, b, dy } = tensors(c);
    const { dw, db } = convBiasPairSortL2PoolGrad(x, w, b, dy, c.config);
    return [convBiasPairSortL2Pool(x, w, b, c.config), dw, db];
  });
}

const CASES: Case[] = [
  {
    name: 'demo4 (N=8)',
    x: [8, 28, 28, 1],
    w: [3, 3, 1, 16],
    config: { poolSize: [2, 2], scale: 2, eps: 1e-6, padding: 'SAME' },
  },
  {
    name: 'Cin=3, 5×5, odd 11×13',
    x: [2, 11, 13, 3],
    w: [5, 5, 3, 8],
    config: { poolSize: [2, 2], scale: 2, eps: 1e-6, padding: 'SAME' },
  },
  {
    name: 'VALID, C=6',
    x: [3, 9, 12, 2],
    w: [3, 3, 2, 6],
    config: { poolSize: [2, 2], scale: 1.5, eps: 1e-6, padding: 'VALID' },
  },
  {
    name: 'pool 3×2, 2×4 kernel',
    x: [2, 13, 10, 1],
    w: [2, 4, 1, 16],
    config: { poolSize: [3, 2], scale: 2.4, eps: 1e-3, padding: 'SAME' },
  },
  {
    name: 'C=32, VALID 5×3',
    x: [2, 12, 9, 2],
    w: [5, 3, 2, 32],
    config: { poolSize: [2, 3], scale: 1, eps: 1e-6, padding: 'VALID' },
  },
];

test.each(CASES)('$name: fused ops equal the composition to 1e-5 and leak nothing', (c) => {
  if (!native) return;
  const want = composition(c);
  const before = tf.memory().numTensors;
  const got = fused(c);
  expect(tf.memory().numTensors - before).toBe(got.length);
  ['y', 'dw', 'db'].forEach((name, i) => {
    expect({ name, shape: got[i]!.shape }).toEqual({ name, shape: want[i]!.shape });
    const w = want[i]!.dataSync();
    const g = got[i]!.dataSync();
    const scale = Math.max(...Array.from(w, Math.abs));
    const diff = Math.max(...Array.from(g, (v, j) => Math.abs(v - w[j]!)));
    expect({ name, ok: diff <= 1e-5 * scale }).toEqual({ name, ok: true });
  });
  tf.dispose([...want, ...got]);
  expect(tf.memory().numTensors).toBe(before - 3);
});

test('the gradient is deterministic: two runs are bit-equal', () => {
  if (!native) return;
  const c = { ...CASES[0]!, x: [64, 28, 28, 1] };
  const [a, b] = [fused(c), fused(c)];
  a.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(b[i]!.dataSync())));
  tf.dispose([...a, ...b]);
});

test('dw and db equal central finite differences of Σ dy·y', () => {
  if (!native) return;
  const c: Case = {
    name: 'tiny',
    x: [1, 6, 5, 2],
    w: [3, 3, 2, 4],
    config: { poolSize: [2, 2], scale: 2, eps: 0, padding: 'SAME' },
  };
  const { x, w, b, dy } = tensors(c, 11);
  const g = dy.dataSync();
  const loss = (wv: Float32Array, bv: Float32Array) =>
    tf.tidy(() => {
      const y = convBiasPairSortL2Pool(x, tf.tensor4d(wv, w.shape), tf.tensor1d(bv), c.config).dataSync();
      return Array.from(y).reduce((s: number, v: number, i: number) => s + v * g[i]!, 0); // in double
    });
  const grads = convBiasPairSortL2PoolGrad(x, w, b, dy, c.config);
  const check = (base: Float32Array, analytic: Float32Array, at: (v: Float32Array) => number) => {
    const h = 1e-3;
    const fd = Array.from(base, (_, i) => {
      const p = Float32Array.from(base);
      const m = Float32Array.from(base);
      p[i] = base[i]! + h;
      m[i] = base[i]! - h;
      return (at(p) - at(m)) / (2 * h);
    });
    const scale = Math.max(...fd.map(Math.abs));
    fd.forEach((v, i) => expect(Math.abs(v - analytic[i]!)).toBeLessThan(1e-3 * scale));
  };
  const wv = w.dataSync() as Float32Array;
  const bv = b.dataSync() as Float32Array;
  check(wv, grads.dw.dataSync() as Float32Array, (v) => loss(v, bv));
  check(bv, grads.db.dataSync() as Float32Array, (v) => loss(wv, v));
  tf.dispose([x, w, b, dy, grads.dw, grads.db]);
});

/** Runs the forward (or, given dy, the grad) op on shapes and returns the error message. */
function refusal(
  shapes: { x: number[]; w: number[]; b: number[]; dy?: number[] },
  config: Partial<ConvSortPoolGradConfig> = {},
) {
  const full: ConvSortPoolGradConfig = { poolSize: [2, 2], scale: 1, eps: 1e-6, padding: 'SAME', ...config };
  return refusalOf(() => {
    const t = (s: number[]) => tf.zeros(s) as unknown as tf.Tensor4D;
    if (shapes.dy) convBiasPairSortL2PoolGrad(t(shapes.x), t(shapes.w), t(shapes.b) as never, t(shapes.dy), full);
    else convBiasPairSortL2Pool(t(shapes.x), t(shapes.w), t(shapes.b) as never, full);
  });
}

test('bad input is refused with a message that says what was wrong', () => {
  if (!native) return;
  const ok = { x: [2, 8, 8, 3], w: [3, 3, 3, 4], b: [4] };
  expect(refusal(ok)).toBe('');
  expect(refusal({ ...ok, dy: [2, 4, 4, 4] })).toBe('');
  expect(refusal({ ...ok, x: [8, 8, 3] })).toMatch(/x must be NHWC \(rank 4\), got shape \[8,8,3\]/);
  expect(refusal({ ...ok, w: [3, 3, 3] })).toMatch(/w must be \[kh, kw, Cin, Cout\] \(rank 4\)/);
  expect(refusal({ ...ok, w: [3, 3, 2, 4] })).toMatch(/w's Cin .* must equal x's channels/);
  expect(refusal({ ...ok, w: [3, 3, 3, 5], b: [5] })).toMatch(/Cout \(dim 3 of w\) must be even/);
  expect(refusal({ ...ok, b: [5] })).toMatch(/b must have shape \[4\] \(Cout\), got \[5\]/);
  expect(refusal({ ...ok, dy: [2, 4, 3, 4] })).toMatch(/dy must have the pooled shape \[2,4,4,4\], got \[2,4,3,4\]/);
  expect(refusal(ok, { padding: 'FULL' as never })).toMatch(/padding must be "SAME" or "VALID", got "FULL"/);
  expect(refusal({ ...ok, x: [2, 4, 4, 3] }, { poolSize: [3, 3], padding: 'VALID' })).toMatch(
    /the 3×3 pool is larger than the convolution's 2×2 output/,
  );
  expect(refusal({ ...ok, x: [2, 4, 4, 3], w: [5, 5, 3, 4] }, { padding: 'VALID' })).toMatch(
    /pool is larger .* 0×0 output/,
  );
  expect(refusal({ x: [1, 16, 16, 4], w: [9, 9, 4, 2], b: [2] })).toMatch(/kh·kw·Cin must be ≤ 256, got 324/);
  expect(refusal(ok, { poolSize: [0, 2] })).toMatch(/pool sizes must be ≥ 1/);
});

test('dw is the float64 sum Σ x·dz to 1e-6 (blocks summed in double), dz from the composition', () => {
  if (!native) return;
  const c: Case = { ...CASES[0]!, x: [64, 28, 28, 1] };
  const { x, w, b, dy } = tensors(c, 5);
  const pool = { poolSize: c.config.poolSize, scale: c.config.scale, eps: c.config.eps };
  const z = tf.conv2d(x, w, 1, 'same');
  const [dz, db] = tf.engine().runKernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, pool) as tf.Tensor[];
  const got = convBiasPairSortL2PoolGrad(x, w, b, dy, c.config);
  const [X, D] = [x.dataSync(), dz!.dataSync()];
  const ref = new Float64Array(3 * 3 * 16);
  for (let p = 0; p < 64 * 28 * 28; p++) {
    const [n, i, j] = [Math.floor(p / 784), Math.floor(p / 28) % 28, p % 28];
    for (let k = 0; k < 9; k++) {
      const [yy, xx] = [i + Math.floor(k / 3) - 1, j + (k % 3) - 1];
      if (yy < 0 || yy >= 28 || xx < 0 || xx >= 28) continue;
      const v = X[(n * 28 + yy) * 28 + xx]!;
      for (let o = 0; o < 16; o++) ref[k * 16 + o] = ref[k * 16 + o]! + v * D[p * 16 + o]!;
    }
  }
  const scale = Math.max(...Array.from(ref, Math.abs));
  const dw = got.dw.dataSync();
  expect(Math.max(...Array.from(ref, (r, i) => Math.abs(dw[i]! - r)))).toBeLessThan(1e-6 * scale);
  expect(Array.from(got.db.dataSync())).toEqual(Array.from(db!.dataSync()));
  tf.dispose([x, w, b, dy, z, dz!, db!, got.dw, got.db]);
});
