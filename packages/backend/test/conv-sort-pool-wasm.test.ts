/**
 * lipnet's fused first-layer kernels (LipnetConvBiasPairSortL2Pool and its
 * gradient) on the wasm backend: y, dw and db against the cpu backend's stock
 * ops (conv2d + bias + GroupSort(2) by min/max + scaled L2 pooling by avgPool,
 * the gradient by tf.grads with deel-lip's √ gradient dy/(2(r + ε))) and against
 * the composition of lipnet's separate wasm kernels (Conv2D →
 * LipnetBiasPairSortL2Pool; LipnetBiasPairSortL2PoolGrad → Conv2DBackpropFilter)
 * to 1e-5, y the same bits as the composition where Conv2D runs lipnet's direct
 * kernel; Cin 1–4, 'same' and 'valid', windows dropping rows and columns, Cout
 * 4–16, 2×2, 3×3 and 1×2 pools, 5×5 and 2×3 filters, the Cout = 6 fallback;
 * the same bits on every call; no leaks; clear errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WasmKernelsError, configureRelaxedSimd, relaxedSimdEnabled } from '../src';
import { convPoolModuleBytes } from '../src/wasm-kernels/conv-sort-pool-simd';
import { compiledModuleKeys, setRelaxedSimd } from '../src/wasm-kernels/wasm-encoding';
import { expectIdentical, expectNoLeak, expectRelClose, initWasm, randomArray } from './helpers';

beforeAll(initWasm);

type Out = { values: Float32Array; shape: number[] };
type Case = { x: number[]; w: number[]; pool: [number, number]; padding: 'same' | 'valid' };
const SCALE = 2;
const EPS = 1e-6;

const CASES: Array<[string, Case]> = [
  [
    "demo4's first layer: x [2, 28, 28, 1], 3×3 'same' to 16, 2×2",
    { x: [2, 28, 28, 1], w: [3, 3, 1, 16], pool: [2, 2], padding: 'same' },
  ],
  [
    "Cin 2, odd H and W (the pool drops the last row and column), 'same', Cout 8",
    { x: [2, 9, 7, 2], w: [3, 3, 2, 8], pool: [2, 2], padding: 'same' },
  ],
  [
    "Cin 3, 'valid', 3×3 pool dropping two rows, Cout 4",
    { x: [1, 10, 11, 3], w: [3, 3, 3, 4], pool: [3, 3], padding: 'valid' },
  ],
  ["Cin 4, 'same', Cout 16, odd width", { x: [2, 8, 9, 4], w: [3, 3, 4, 16], pool: [2, 2], padding: 'same' }],
  ["a 5×5 filter, 'same', Cout 8, 1×2 pool", { x: [2, 7, 8, 1], w: [5, 5, 1, 8], pool: [1, 2], padding: 'same' }],
  [
    "an even 2×3 filter, 'same' (more padding below and right), Cin 2, Cout 4",
    { x: [1, 6, 7, 2], w: [2, 3, 2, 4], pool: [2, 2], padding: 'same' },
  ],
  [
    "Cout 6 (not a multiple of 4: the composed fallback), 'valid'",
    { x: [2, 9, 8, 1], w: [3, 3, 1, 6], pool: [2, 2], padding: 'valid' },
  ],
  [
    "kh·kw·Cin = 100 > 64 (the composed fallback), 'same'",
    { x: [1, 8, 8, 4], w: [5, 5, 4, 8], pool: [2, 2], padding: 'same' },
  ],
  [
    "a 5×4 pool, 20 taps > 16 (the composed fallback), 'valid'",
    { x: [2, 10, 9, 1], w: [3, 3, 1, 4], pool: [5, 4], padding: 'valid' },
  ],
];

/** Whether the fused module covers a case (else the kernels compose the separate ones). */
const simdCase = (c: Case): boolean =>
  c.w[3]! % 4 === 0 && c.w[0]! * c.w[1]! * c.w[2]! <= 64 && c.pool[0] * c.pool[1] <= 16;

/** Deterministic x, w, b and dy of a case (w scaled so that z is of order 1). */
function inputs(c: Case) {
  const [n, h, wd] = c.x as [number, number, number, number];
  const [kh, kw, , cout] = c.w as [number, number, number, number];
  const oh = c.padding === 'same' ? h : h - kh + 1;
  const ow = c.padding === 'same' ? wd : wd - kw + 1;
  const pooled = [n, Math.floor(oh / c.pool[0]), Math.floor(ow / c.pool[1]), cout];
  const taps = kh * kw * c.x[3]!;
  return {
    x: tf.tensor(randomArray(tf.util.sizeFromShape(c.x), 1), c.x),
    w: tf.tensor(
      randomArray(tf.util.sizeFromShape(c.w), 2).map((v) => v / Math.sqrt(taps)),
      c.w,
    ),
    b: tf.tensor(randomArray(cout, 3).map((v) => v / 4)),
    dy: tf.tensor(randomArray(tf.util.sizeFromShape(pooled), 4), pooled),
  };
}

const kernel = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor & tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as unknown as tf.Tensor & tf.Tensor[];

/** [y, dw, db] of the fused kernels. */
function fused(c: Case): tf.Tensor[] {
  const { x, w, b, dy } = inputs(c);
  const attrs = { poolSize: c.pool, scale: SCALE, eps: EPS, padding: c.padding };
  return [
    kernel('LipnetConvBiasPairSortL2Pool', { x, w, b }, attrs),
    ...kernel('LipnetConvBiasPairSortL2PoolGrad', { x, w, b, dy }, attrs),
  ];
}

/** [y, dw, db] of lipnet's separate wasm kernels. */
function composed(c: Case): tf.Tensor[] {
  const { x, w, b, dy } = inputs(c);
  const attrs = { poolSize: c.pool, scale: SCALE, eps: EPS };
  const z = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, c.padding);
  const y = kernel('LipnetBiasPairSortL2Pool', { z, b }, attrs);
  const [dz, db] = kernel('LipnetBiasPairSortL2PoolGrad', { z, b, dy }, attrs) as unknown as [tf.Tensor, tf.Tensor];
  const dw = kernel(
    'Conv2DBackpropFilter',
    { x, dy: dz },
    { strides: [1, 1], pad: c.padding, dataFormat: 'NHWC', filterShape: c.w },
  );
  return [y, dw, db];
}

/** deel-lip's √ with the gradient dy / (2(r + ε)). */
const sqrtEps = tf.customGrad<tf.Tensor>(((v: tf.Tensor, save: tf.GradSaveFunc) => {
  const r = tf.sqrt(v);
  save([r]);
  return { value: r, gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.div(dy, tf.mul(tf.add(saved!, EPS), 2)) };
}) as unknown as Parameters<typeof tf.customGrad<tf.Tensor>>[0]);

/** [y, dw, db] of stock tfjs ops (for the cpu backend): conv2d, bias, GroupSort(2), ScaledL2NormPooling2D. */
function stock(c: Case): tf.Tensor[] {
  const { x, w, b, dy } = inputs(c);
  const f = (wv: tf.Tensor, bv: tf.Tensor) => {
    const z = tf.add(tf.conv2d(x as tf.Tensor4D, wv as tf.Tensor4D, 1, c.padding), bv);
    const pairs = tf.reshape(z, [...z.shape.slice(0, 3), z.shape[3]! / 2, 2]);
    const s = tf.reshape(tf.concat([tf.min(pairs, -1, true), tf.max(pairs, -1, true)], -1), z.shape);
    const mean = tf.avgPool(tf.square(s) as tf.Tensor4D, c.pool, c.pool, 'valid');
    return tf.mul(sqrtEps(mean), SCALE);
  };
  const y = f(w, b);
  const [dw, db] = tf.grads((wv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(f(wv, bv), dy)))([w, b]);
  return [y, dw!, db!];
}

async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Out[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => fn().map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() })));
}

describe('LipnetConvBiasPairSortL2Pool on wasm (WebAssembly SIMD, the conv output never written)', () => {
  test('the generated modules validate (relaxed SIMD on and off)', () => {
    // Node 20's V8 has relaxed SIMD behind a flag that this sets.
    configureRelaxedSimd('on');
    for (const [, c] of CASES.filter(([, c]) => simdCase(c))) {
      const [kh, kw, cin, cout] = c.w as [number, number, number, number];
      const g = {
        kh,
        kw,
        cin,
        c: cout,
        ph: c.pool[0],
        pw: c.pool[1],
        h: c.x[1]!,
        w: c.x[2]!,
        top: 1,
        left: 1,
        hp: c.x[1]! + 2,
        wp: c.x[2]! + 2,
        rows: 2,
        cols: 2,
      };
      for (const relaxed of [false, true]) expect(WebAssembly.validate(convPoolModuleBytes(g, relaxed))).toBe(true);
    }
  });
});

describe.each(['on', 'off'] as const)('LipnetConvBiasPairSortL2Pool on wasm, relaxed SIMD %s', (mode) => {
  beforeAll(() => {
    if (mode === 'on') configureRelaxedSimd('on');
    else setRelaxedSimd('off');
    expect(relaxedSimdEnabled()).toBe(mode === 'on');
  });
  afterAll(() => setRelaxedSimd('auto'));

  test.each(CASES)('%s: y, dw and db equal the cpu backend’s stock ops to 1e-5', async (_n, c) => {
    const want = await on('cpu', () => stock(c));
    const got = await on('wasm', () => fused(c));
    const simd = simdCase(c);
    const key = `LipnetConvBiasPairSortL2Pool ${c.w.join(',')},${c.pool.join(',')},`;
    expect(compiledModuleKeys().some((k) => k.startsWith(key) && k.endsWith(' relaxed') === (mode === 'on'))).toBe(
      simd,
    );
    expect(got.map((o) => o.shape)).toEqual(want.map((o) => o.shape));
    got.forEach((o, i) => expectRelClose(o, want[i]!, 1e-5));
  });

  test.each(CASES)(
    '%s: y, dw and db equal the separate wasm kernels (y the same bits when Conv2D runs the direct kernel)',
    async (_n, c) => {
      const want = await on('wasm', () => composed(c));
      const got = await on('wasm', () => fused(c));
      got.forEach((o, i) => expectRelClose(o, want[i]!, 1e-5));
      if (c.x[3]! % 4 !== 0) expectIdentical(got[0]!.values, want[0]!.values);
    },
  );

  test('the same bits on every call; dw and db over 16 images (3,136 windows per channel) to 1e-5 of the cpu backend', async () => {
    const c: Case = { x: [16, 28, 28, 1], w: [3, 3, 1, 16], pool: [2, 2], padding: 'same' };
    const first = await on('wasm', () => fused(c));
    const again = await on('wasm', () => fused(c));
    first.forEach((o, i) => expectIdentical(o.values, again[i]!.values));
    const want = await on('cpu', () => stock(c));
    first.forEach((o, i) => expectRelClose(o, want[i]!, 1e-5));
  });
});

describe('LipnetConvBiasPairSortL2Pool on wasm: leaks and refusals', () => {
  test.each([
    ['the SIMD module', [2, 6, 6, 1], [3, 3, 1, 8]],
    ['the fallback', [2, 6, 6, 1], [3, 3, 1, 6]],
  ])('%s leaks nothing (tensors and backend data)', async (_n, xs, ws) => {
    await tf.setBackend('wasm');
    const c: Case = { x: xs, w: ws, pool: [2, 2], padding: 'same' };
    // The first call compiles; the fallback's Sum keeps one ones filter per channel count.
    expectNoLeak(() => tf.tidy(() => void fused(c)));
  });

  test('an empty batch: y [0, rows, cols, C], dw and db zero', async () => {
    const c: Case = { x: [0, 6, 6, 1], w: [3, 3, 1, 8], pool: [2, 2], padding: 'same' };
    const [y, dw, db] = await on('wasm', () => fused(c));
    expect([y!.shape, dw!.shape, db!.shape]).toEqual([[0, 3, 3, 8], c.w, [8]]);
    expect([...dw!.values, ...db!.values].every((v) => v === 0)).toBe(true);
  });

  test('bad inputs and attrs are refused with a message naming them', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const attrs = { poolSize: [2, 2], scale: 1, eps: 1e-6, padding: 'same' };
      const x = tf.ones([1, 6, 6, 1]);
      const w = tf.ones([3, 3, 1, 8]);
      const b = tf.ones([8]);
      const fwd =
        (inputs: tf.NamedTensorMap, a: object = attrs) =>
        () =>
          kernel('LipnetConvBiasPairSortL2Pool', inputs, a);
      const grad =
        (dy: tf.Tensor, a: object = attrs) =>
        () =>
          kernel('LipnetConvBiasPairSortL2PoolGrad', { x, w, b, dy }, a);
      expect(fwd({ x: tf.ones([6, 6, 1]), w, b })).toThrow(WasmKernelsError);
      expect(fwd({ x: tf.ones([6, 6, 1]), w, b })).toThrow(
        /x must be float32 \[N, H, W, Cin\]; got float32 \[6, 6, 1\]/,
      );
      expect(fwd({ x: tf.ones([1, 6, 6, 1], 'int32'), w, b })).toThrow(/x must be float32.*got int32/);
      expect(fwd({ x, w: tf.ones([3, 3, 8]), b })).toThrow(/w must be float32 \[kh, kw, Cin, Cout\]/);
      expect(fwd({ x, w: tf.ones([3, 3, 2, 8]), b })).toThrow(
        /w's Cin \(dim 2 of w float32 \[3, 3, 2, 8\]\) must equal x's channels/,
      );
      expect(fwd({ x, w: tf.ones([3, 3, 1, 7]), b: tf.ones([7]) })).toThrow(/w's Cout .* must be even/);
      expect(fwd({ x, w, b: tf.ones([4]) })).toThrow(/b must be float32 \[8\] \(w's Cout\); got float32 \[4\]/);
      expect(fwd({ x, w, b }, { ...attrs, poolSize: [2, 0] })).toThrow(/attr poolSize must be \[ph, pw\].*\[2,0\]/);
      expect(fwd({ x, w, b }, { ...attrs, padding: 'SAME' })).toThrow(
        /attr padding must be 'same' or 'valid'; got "SAME"/,
      );
      expect(fwd({ x, w, b }, { ...attrs, scale: NaN })).toThrow(/attr scale must be a finite number/);
      expect(fwd({ x, w, b }, { ...attrs, poolSize: [7, 2] })).toThrow(
        /7×2 pool \(attr poolSize\) is larger than the convolution's 6×6 output/,
      );
      expect(fwd({ x: tf.ones([1, 4, 4, 1]), w, b }, { ...attrs, padding: 'valid', poolSize: [3, 3] })).toThrow(
        /larger than the convolution's 2×2 output/,
      );
      expect(grad(tf.ones([1, 3, 3, 8]), { ...attrs, eps: undefined })).toThrow(/attr eps must be a finite number/);
      expect(grad(tf.ones([1, 3, 2, 8]))).toThrow(
        /dy must be float32 of the pooled shape \[1, 3, 3, 8\]; got float32 \[1, 3, 2, 8\]/,
      );
    });
  });
});
