/**
 * lipnet's Winograd F(2×2, 3×3) convolution ops (tools/native/ops/winograd_ops.cc), when
 * `pnpm native:setup` built them: each against TensorFlow's own Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter on the same backend to 1e-5 relative to the output's largest magnitude, on
 * odd and even sizes (partial last tiles), batch 1, several blocks of tiles and demo4's second
 * convolution; the filter gradient bit-equal on a second run; each refusal with its message; no
 * leaked tensors. Skipped (with a log line) without a build that has them.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  WINOGRAD_OPS,
  winogradConv2d,
  winogradConv2dBackpropFilter,
  winogradConv2dBackpropInput,
  winogradTakes,
} from '../src';
import { refusalOf, releaseNativeOps, seededValues as values, useNativeOps } from './native-ops-setup';

let native = false;

beforeAll(async () => {
  native = await useNativeOps(Object.values(WINOGRAD_OPS));
});

afterAll(async () => {
  if (!native) {
    console.log('native-winograd: skipped (no lipnet_ops.node with the Winograd ops; run `pnpm native:setup`)');
    return;
  }
  await releaseNativeOps();
});

type Shape4 = [number, number, number, number];

/** x [N,H,W,C], w [3,3,C,K] and dy [N,H,W,K] of a case. */
function tensors([n, h, w, c, k]: number[], seed = 3) {
  const t = (shape: Shape4, a: number, s: number) =>
    tf.tensor4d(
      values(
        shape.reduce((p, q) => p * q, 1),
        a,
        s,
      ),
      shape,
    );
  return { x: t([n!, h!, w!, c!], 1, seed), w: t([3, 3, c!, k!], 0.3, seed + 1), dy: t([n!, h!, w!, k!], 1, seed + 2) };
}

const CONV = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as const;

/** TensorFlow's three passes: [y, dx, dw]. */
function stock(dims: number[]): tf.Tensor[] {
  return tf.tidy(() => {
    const { x, w, dy } = tensors(dims);
    const y = tf.engine().runKernel('Conv2D', { x, filter: w }, CONV) as tf.Tensor;
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...CONV, inputShape: x.shape });
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...CONV, filterShape: w.shape });
    return [y, dx as tf.Tensor, dw as tf.Tensor];
  });
}

/** The Winograd ops: [y, dx, dw]. */
function winograd(dims: number[]): tf.Tensor[] {
  return tf.tidy(() => {
    const { x, w, dy } = tensors(dims);
    return [winogradConv2d(x, w), winogradConv2dBackpropInput(w, dy), winogradConv2dBackpropFilter(x, dy)];
  });
}

// [N, H, W, C, K]
const CASES: Array<[string, number[]]> = [
  ["demo4's second conv (N=16: 13 blocks of tiles)", [16, 14, 14, 16, 32]],
  ['odd 7×9, C=8, K=24', [3, 7, 9, 8, 24]],
  ['batch 1, 5×3, C=16, K=8', [1, 5, 3, 16, 8]],
  ['1×1 images (one partial tile), C=K=8', [5, 1, 1, 8, 8]],
  ['28×28, C=K=16', [2, 28, 28, 16, 16]],
  ['C=40, K=48 (6-channel register tiles and a 4-channel rest)', [2, 6, 5, 40, 48]],
];

test.each(CASES)("%s: y, dx and dw equal TensorFlow's to 1e-5 and leak nothing", (_, dims) => {
  if (!native) return;
  const want = stock(dims);
  const before = tf.memory().numTensors;
  const got = winograd(dims);
  expect(tf.memory().numTensors - before).toBe(3);
  ['y', 'dx', 'dw'].forEach((name, i) => {
    expect({ name, shape: got[i]!.shape }).toEqual({ name, shape: want[i]!.shape });
    const w = want[i]!.dataSync();
    const g = got[i]!.dataSync();
    const scale = Math.max(...Array.from(w, Math.abs));
    const diff = Math.max(...Array.from(g, (v, j) => Math.abs(v - w[j]!)));
    expect({ name, scale: scale > 0, ok: diff <= 1e-5 * scale }).toEqual({ name, scale: true, ok: true });
  });
  tf.dispose([...want, ...got]);
  expect(tf.memory().numTensors).toBe(before - 3);
});

test('the filter gradient is deterministic: two runs over 49 chunks of blocks are bit-equal', () => {
  if (!native) return;
  const { x, dy } = tensors([64, 14, 14, 16, 32], 9);
  const a = winogradConv2dBackpropFilter(x, dy).dataSync();
  const b = winogradConv2dBackpropFilter(x, dy).dataSync();
  expect(Array.from(b)).toEqual(Array.from(a));
  tf.dispose([x, dy]);
});

test('an empty batch gives empty y and dx and a zero dw', () => {
  if (!native) return;
  const { x, w, dy } = tensors([0, 4, 4, 8, 8]);
  const [y, dx, dw] = [winogradConv2d(x, w), winogradConv2dBackpropInput(w, dy), winogradConv2dBackpropFilter(x, dy)];
  expect([y.shape, dx.shape, dw.shape]).toEqual([
    [0, 4, 4, 8],
    [0, 4, 4, 8],
    [3, 3, 8, 8],
  ]);
  expect(Array.from(dw.dataSync()).every((v) => v === 0)).toBe(true);
  tf.dispose([x, w, dy, y, dx, dw]);
});

/** The message of running `op` on zero tensors of these shapes ('' when it runs), with no tensor left. */
function refusal(op: 'forward' | 'backpropInput' | 'backpropFilter', a: number[], b: number[]): string {
  return refusalOf(() => {
    const [p, q] = [tf.zeros(a) as unknown as tf.Tensor4D, tf.zeros(b) as unknown as tf.Tensor4D];
    if (op === 'forward') winogradConv2d(p, q);
    else if (op === 'backpropInput') winogradConv2dBackpropInput(p, q);
    else winogradConv2dBackpropFilter(p, q);
  });
}

test('bad shapes are refused with a message that says what was wrong', () => {
  if (!native) return;
  expect(refusal('forward', [2, 5, 5, 8], [3, 3, 8, 16])).toBe('');
  expect(refusal('forward', [5, 5, 8], [3, 3, 8, 16])).toMatch(/x must be NHWC \(rank 4\), got shape \[5,5,8\]/);
  expect(refusal('forward', [2, 5, 5, 8], [5, 5, 8, 16])).toMatch(
    /w must be a 3×3 kernel \[3, 3, C, K\], got shape \[5,5,8,16\]/,
  );
  expect(refusal('forward', [2, 5, 5, 8], [3, 3, 16, 16])).toMatch(/w's C .* must equal x's channels/);
  expect(refusal('forward', [2, 5, 5, 12], [3, 3, 12, 16])).toMatch(
    /x's channel count C \(dim 3 of \[2,5,5,12\]\) must be a positive multiple of 8, got 12; use TensorFlow's own/,
  );
  expect(refusal('forward', [2, 5, 5, 8], [3, 3, 8, 4])).toMatch(/w's output channel count K .* multiple of 8, got 4/);
  expect(refusal('backpropInput', [3, 3, 8, 16], [2, 5, 5, 16])).toBe('');
  expect(refusal('backpropInput', [3, 3, 8, 16], [2, 5, 5, 8])).toMatch(/w's K .* must equal dy's channels/);
  expect(refusal('backpropInput', [3, 3, 4, 16], [2, 5, 5, 16])).toMatch(/w's input channel count C .* got 4/);
  expect(refusal('backpropInput', [3, 3, 8, 16], [5, 5, 16])).toMatch(/dy must be NHWC \(rank 4\)/);
  expect(refusal('backpropFilter', [2, 5, 5, 8], [2, 5, 5, 16])).toBe('');
  expect(refusal('backpropFilter', [2, 5, 5, 8], [2, 5, 4, 16])).toMatch(
    /dy must have x's batch and spatial dims \(stride 1, 'SAME'\): x \[2,5,5,8\], dy \[2,5,4,16\]/,
  );
  expect(refusal('backpropFilter', [2, 5, 5, 8], [2, 5, 5, 20])).toMatch(/dy's channel count K .* got 20/);
});

test('winogradTakes: 3×3, stride 1, dilation 1, same, channels positive multiples of 8', () => {
  expect(winogradTakes([3, 3, 16, 32], [1, 1], 'SAME')).toBe(true);
  expect(winogradTakes([3, 3, 16, 32], [1, 1], 'same', [1, 1])).toBe(true);
  expect(winogradTakes([3, 3, 1, 16], [1, 1], 'SAME')).toBe(false);
  expect(winogradTakes([3, 3, 16, 12], [1, 1], 'SAME')).toBe(false);
  expect(winogradTakes([3, 3, 0, 16], [1, 1], 'SAME')).toBe(false);
  expect(winogradTakes([5, 5, 16, 16], [1, 1], 'SAME')).toBe(false);
  expect(winogradTakes([3, 3, 16, 16], [2, 2], 'SAME')).toBe(false);
  expect(winogradTakes([3, 3, 16, 16], [1, 1], 'VALID')).toBe(false);
  expect(winogradTakes([3, 3, 16, 16], [1, 1], 'SAME', [2, 2])).toBe(false);
});
