/**
 * A backend's optional fused kernels (FUSED_KERNELS) change nothing but speed:
 * with test-utils' reference kernels registered on `cpu`, the layers take the
 * fused route (counted kernel calls) and give the outputs and gradients of
 * the stock composition, and leak nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, maxRelativeDifference, registerReferenceFusedKernels } from '@lipnet/test-utils';
import {
  FUSED_KERNELS,
  GroupSort,
  SpectralInitializer,
  hasFusedKernel,
  scaledL2NormPooling2D,
  sequential,
  spectralConv2d,
  spectralDense,
  frobeniusDense,
} from '../src';
import { pairSortPlan, sortPairsAscending } from '../src/activations/group-sort';

type Handle = ReturnType<typeof registerReferenceFusedKernels>;

/** Runs `fn` with the reference fused kernels registered on cpu; returns its result and the kernel call counts. */
function withFused<T>(fn: () => T): { result: T; calls: Record<string, number> } {
  const handle: Handle = registerReferenceFusedKernels('cpu');
  try {
    return { result: fn(), calls: { ...handle.calls } };
  } finally {
    handle.unregister();
  }
}

/**
 * The notebook's network at a small size, with kCoefLip 2 so every fused op's scale matters. With
 * GroupSort(2) activations of k = 1 (the notebook's), the poolings pool from the convolutions' z and
 * bias (LipnetBiasPairSortL2Pool); with `sortK` ≠ 1 they pool the sorted tensor (LipnetL2Pool).
 */
function smallNetwork(sortK = 1): tfl.Sequential {
  const ortho = (k: number) => new SpectralInitializer({ seed: k });
  let seed = 10;
  const bias = () => tfl.initializers.randomNormal({ stddev: 0.3, seed: seed++ });
  return sequential({
    kCoefLip: 2,
    warn: () => undefined,
    layers: [
      spectralConv2d({
        inputShape: [10, 9, 1],
        filters: 4,
        kernelSize: [3, 3],
        activation: new GroupSort({ n: 2, kCoefLip: sortK }),
        kernelInitializer: ortho(1),
        biasInitializer: bias(),
      }),
      scaledL2NormPooling2D({ poolSize: [2, 2] }),
      spectralConv2d({
        filters: 6,
        kernelSize: [3, 3],
        activation: new GroupSort({ n: 2, kCoefLip: sortK }),
        kernelInitializer: ortho(2),
        biasInitializer: bias(),
      }),
      scaledL2NormPooling2D({ poolSize: [2, 2] }),
      tfl.layers.flatten(),
      spectralDense({
        units: 8,
        activation: new GroupSort({ n: 2 }),
        kernelInitializer: ortho(3),
        biasInitializer: bias(),
      }),
      frobeniusDense({ units: 3, useBias: false, kernelInitializer: ortho(4) }),
    ],
  });
}

describe('fused kernels (reference implementation on cpu)', () => {
  it('are used only when registered, for the active backend', () => {
    expect(hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad)).toBe(false);
    expect(pairSortPlan(16).method).toBe('select');
    const { result } = withFused(() => [
      hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad),
      hasFusedKernel(FUSED_KERNELS.l2Pool, FUSED_KERNELS.l2PoolGrad, 'wasm'),
      pairSortPlan(16).method,
    ]);
    expect(result).toEqual([true, false, 'fused']);
    expect(pairSortPlan(16).method).toBe('select');
  });

  it('GroupSort(2): the fused plan gives the select plan’s outputs and gradients exactly (ties included)', () => {
    const values = Array.from({ length: 96 }, (_, i) => Math.round(Math.sin(i * 2.3) * 3) / 2); // many ties
    const x = tf.tensor(values, [4, 3, 8]);
    const dy = tf.randomNormal([4, 3, 8], 0, 1, 'float32', 5);
    const run = (method: 'select' | 'fused') =>
      tf.tidy(() => {
        const f = (v: tf.Tensor) => sortPairsAscending(v, { method, block: 2 });
        const [y, g] = [f(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), dy)))(x)];
        // + 0: the select plan's GEMM turns −0 into +0 (documented); the fused kernel permutes exactly.
        return [Array.from(y.dataSync(), (v) => v + 0), Array.from(g.dataSync(), (v) => v + 0)];
      });
    const { result: fused, calls } = withFused(() => run('fused'));
    expect(calls['LipnetPairSort']).toBeGreaterThan(0);
    expect(calls['LipnetPairSortGrad']).toBe(1);
    expect(fused).toEqual(run('select'));
  });

  /** The kernels a forward and backward pass of smallNetwork(k) runs. */
  const expectedKernels = (k: number): string[] =>
    Object.values(FUSED_KERNELS).filter(
      (name) =>
        name !== 'LipnetPairSort' && // every GroupSort here follows a bias
        name !== 'LipnetPairSortGrad' &&
        !name.startsWith('LipnetBjorck') && // deel-lip 1.5 layers run Björck inside LipnetSpectralBjorck
        !name.startsWith('LipnetConv') && // the first-layer kernels are for the training pass, not layer calls
        (k === 1 ? !name.startsWith('LipnetL2Pool') : !name.startsWith('LipnetBiasPairSortL2Pool')),
    );

  it.each([2, 1])(
    'a Lipschitz network (GroupSort k = %d): same outputs and weight gradients with and without them',
    (k) => {
      const model = smallNetwork(k);
      const x = tf.randomUniform([5, 10, 9, 1], 0, 1, 'float32', 7);
      const dy = tf.randomNormal([5, 3], 0, 1, 'float32', 8);
      const pass = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar,
            model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
          );
          const out = model.predict(x) as tf.Tensor;
          return {
            value,
            out,
            grads: model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name]!),
          };
        });
      const stock = pass();
      const { result: fused, calls } = withFused(pass);
      for (const name of Object.values(FUSED_KERNELS)) {
        const expected = expectedKernels(k).includes(name);
        expect({ name, called: calls[name]! > 0 }).toEqual({ name, called: expected });
      }
      expect(maxRelativeDifference(fused.out, stock.out)).toBeLessThan(1e-6);
      // ⟨y, dy⟩ cancels: compare to the size of its terms.
      const terms = tf.tidy(() => tf.sum(tf.abs(tf.mul(stock.out, dy))).dataSync()[0]!);
      expect(Math.abs(fused.value.dataSync()[0]! - stock.value.dataSync()[0]!)).toBeLessThan(1e-6 * terms);
      expect(fused.grads.length).toBe(stock.grads.length);
      fused.grads.forEach((g, i) => {
        expect(g.shape).toEqual(stock.grads[i]!.shape);
        expect({ i, rel: maxRelativeDifference(g, stock.grads[i]!) < 2e-5 }).toEqual({ i, rel: true });
      });
    },
  );
});

describe('fused kernels in layer calls and training steps (reference implementation on cpu)', () => {
  it('GroupSort(2) without a bias before it takes LipnetPairSort; kCoefLip scales it', () => {
    const layer = new GroupSort({ n: 2, kCoefLip: 3 });
    const x = tf.tensor2d([[3, 1, -2, 5]]);
    const { result, calls } = withFused(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
    expect(result).toEqual([3, 9, -6, 15]);
    expect(calls['LipnetPairSort']).toBe(1);
  });

  it.each([2, 1])('training steps through the fused kernels (GroupSort k = %d) leak no tensors', async (k) => {
    const model = smallNetwork(k);
    const x = tf.randomUniform([3, 10, 9, 1], 0, 1, 'float32', 9);
    const opt = tf.train.adam(1e-3);
    const handle = registerReferenceFusedKernels('cpu');
    try {
      await expectNoLeakedTensors(() =>
        opt.minimize(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar),
      );
      expect(handle.calls['LipnetBiasPairSortGrad']).toBeGreaterThan(0);
      expect(handle.calls['LipnetBiasPairSortL2PoolGrad']! > 0).toBe(k === 1);
    } finally {
      handle.unregister();
    }
  });

  it('a convolution called on its own hands nothing that outlives its scope; its pooling then pools what it is given', () => {
    const model = smallNetwork();
    const [conv, pool] = [model.layers[0]!, model.layers[1]!];
    const x = tf.randomUniform([2, 10, 9, 1], 0, 1, 'float32', 3);
    const other = tf.randomUniform([2, 8, 7, 4], 0, 1, 'float32', 4);
    tf.tidy(() => void conv.apply(x)); // fills the inference-kernel cache
    const { result, calls } = withFused(() => {
      const before = tf.memory().numTensors;
      tf.tidy(() => void conv.apply(x)); // z handed to the pooling, disposed with the scope
      const leaked = tf.memory().numTensors - before;
      const fromOther = tf.tidy(() => Array.from((pool.apply(other) as tf.Tensor).dataSync()));
      return { leaked, fromOther, after: tf.memory().numTensors - before };
    });
    expect(result.leaked).toBe(0);
    expect(result.after).toBe(0);
    expect(calls['LipnetBiasPairSortL2Pool']).toBe(0);
    expect(calls['LipnetL2Pool']).toBe(1);
    const expected = tf.tidy(() => Array.from((pool.apply(other) as tf.Tensor).dataSync())); // stock ops
    expect(result.fromOther.length).toBe(expected.length);
    result.fromOther.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6 * Math.abs(expected[i]!)));
  });
});
