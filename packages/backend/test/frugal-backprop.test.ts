/**
 * The frugal backward pass: the same gradients as tfjs' own, bit for bit (a
 * demo4-shaped network with a fused custom gradient, a tensor used twice, a
 * caller's dy, second-order gradients), a lower peak of live tensor bytes, no
 * leaks, tfjs' error for a y that does not depend on x, and uninstalling
 * restores tfjs' method.
 */
import * as tf from '@tensorflow/tfjs-core';
import { installFrugalBackprop, nodesFromXsToY, type TapeNode } from '../src';
import { randomArray } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A small conv net's loss as a function of its weights (customGrad in it, as @lipnet/layers' fused ops). */
function makeProblem() {
  const x = tf.tensor4d(randomArray(4 * 10 * 10 * 2, 1), [4, 10, 10, 2]);
  const w1 = tf.variable(tf.tensor4d(randomArray(3 * 3 * 2 * 6, 2), [3, 3, 2, 6]));
  const b1 = tf.variable(tf.tensor1d(randomArray(6, 3)));
  const w2 = tf.variable(tf.tensor2d(randomArray(5 * 5 * 6 * 3, 4), [5 * 5 * 6, 3]));
  const square = tf.customGrad<tf.Tensor>(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([t]);
    return { value: tf.square(t), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, tf.mul(s!, 2)) };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Tensor>>[0]);
  const loss = () => {
    let h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1));
    for (let i = 0; i < 4; i++) h = tf.sin(tf.mul(h, 1.1)); // a chain of activation-sized gradients
    const p = square(tf.avgPool(h as tf.Tensor4D, 2, 2, 'valid'));
    const z = tf.matMul(tf.reshape(p, [4, -1]), w2);
    return tf.sum(tf.mul(z, z)) as tf.Scalar; // z used twice
  };
  return { loss, vars: [w1, b1, w2], dispose: () => tf.dispose([x, w1, b1, w2]) };
}

function gradsOf(p: ReturnType<typeof makeProblem>): number[][] {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(p.loss, p.vars);
    return p.vars.map((v) => Array.from(grads[v.name]!.dataSync()));
  });
}

/** Peak of tf.memory().numBytes over the kernels run by fn, and its value after the last kernel. */
function liveBytes(fn: () => void): { peak: number; last: number } {
  let peak = 0;
  let last = 0;
  const wrapped = tf.getKernelsForBackend('cpu');
  for (const cfg of wrapped) {
    tf.unregisterKernel(cfg.kernelName, 'cpu');
    tf.registerKernel({
      ...cfg,
      kernelFunc: (a) => {
        const out = cfg.kernelFunc(a);
        last = tf.memory().numBytes;
        peak = Math.max(peak, last);
        return out;
      },
    });
  }
  try {
    fn();
  } finally {
    for (const cfg of wrapped) {
      tf.unregisterKernel(cfg.kernelName, 'cpu');
      tf.registerKernel(cfg);
    }
  }
  return { peak, last };
}

const same = (a: number[][], b: number[][]) =>
  expect(a.map((g) => g.findIndex((v, i) => !Object.is(v, b[a.indexOf(g)]![i])))).toEqual(a.map(() => -1));

test('the same gradients as tfjs, bit for bit, memory released during the backward pass, no leak', () => {
  const p = makeProblem();
  const want = gradsOf(p);
  const stock = liveBytes(() => gradsOf(p));
  const uninstall = installFrugalBackprop();
  try {
    const before = tf.memory().numTensors;
    const got = gradsOf(p);
    same(got, want);
    expect(tf.memory().numTensors).toBe(before);
    const frugal = liveBytes(() => gradsOf(p));
    // tfjs holds every saved activation and every gradient until the end of the pass; here they go as it proceeds.
    expect(frugal.last).toBeLessThan(0.5 * stock.last);
    expect(frugal.peak).toBeLessThanOrEqual(stock.peak);
  } finally {
    uninstall();
    p.dispose();
  }
});

test("a caller's dy is left alone; second-order gradients are tfjs' own", () => {
  const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sin(x), tf.square(x)));
  const x = tf.tensor1d([0.3, -1.2, 2.5]);
  const want = tf.tidy(() => Array.from(tf.grad(tf.grad(f))(x).dataSync()));
  const uninstall = installFrugalBackprop();
  try {
    expect(installFrugalBackprop).not.toThrow(); // idempotent
    const got = tf.tidy(() => Array.from(tf.grad(tf.grad(f))(x).dataSync()));
    expect(got).toEqual(want);
    const dy = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.mul(t, 3))(x, dy);
    expect(dy.isDisposed).toBe(false);
    expect(Array.from(g.dataSync())).toEqual([3, 6, 9]);
    tf.dispose([dy, g]);
    expect(() => tf.grad(() => tf.scalar(1))(x)).toThrow(/Cannot compute gradient of y=f\(x\) with respect to x/);
  } finally {
    uninstall();
    x.dispose();
  }
  expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'gradients')).toBe(false);
});

test('nodesFromXsToY keeps the nodes between x and y, with the inputs that depend on x', () => {
  const t = (id: number) => ({ id }) as tf.Tensor;
  const tape: TapeNode[] = [
    { id: 1, kernelName: 'A', inputs: { a: t(10), b: t(11) }, outputs: [t(20)] }, // x=10 → 20
    { id: 2, kernelName: 'B', inputs: { a: t(11) }, outputs: [t(21)] }, // not from x
    { id: 3, kernelName: 'C', inputs: { a: t(20), b: t(21) }, outputs: [t(30)] }, // → y
    { id: 4, kernelName: 'D', inputs: { a: t(20) }, outputs: [t(40)] }, // from x, not to y
  ];
  const nodes = nodesFromXsToY(tape, [t(10)], t(30));
  expect(nodes.map((n) => n.kernelName)).toEqual(['A', 'C']);
  expect(Object.keys(nodes[0]!.inputs)).toEqual(['a']);
  expect(Object.keys(nodes[1]!.inputs)).toEqual(['a']);
});
