import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, explicitOperatorNorm, singularValues } from '@lipnet/test-utils';
import { lipResidual, lipschitzModel, spectralConv2d, GroupSort2 } from '@lipnet/layers';
import { LipnetUnsupportedError } from '@lipnet/core';
import { empiricalLipschitz, lipschitzUpperBound } from '../src';

const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
const sigma = (w: tf.Tensor) => singularValues(w.dataSync(), w.shape[0], w.shape[1]!)[0]!;

/**
 * ‖J‖₂ of a linear multi-input, multi-output model as one map from the concatenated inputs to the
 * concatenated outputs (bias removed: f(x) − f(0)), by Jacobi SVD of its explicit matrix.
 */
function jointNorm(model: tfl.LayersModel, shapes: number[][]): number {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const f = (flat: tf.Tensor) => {
    const parts = tf.split(flat, sizes, 1).map((p, i) => tf.reshape(p, [-1, ...shapes[i]!]));
    const run = (xs: tf.Tensor[]) => {
      const y = model.apply(xs.length === 1 ? xs[0]! : xs);
      return tf.concat(
        (Array.isArray(y) ? y : [y]).map((t) => tf.reshape(t as tf.Tensor, [xs[0]!.shape[0], -1])),
        1,
      );
    };
    return tf.sub(run(parts), run(parts.map((p) => tf.zerosLike(p))));
  };
  return explicitOperatorNorm(f, [1, sizes.reduce((a, b) => a + b, 0)]);
}

describe('lipschitzUpperBound on graphs', () => {
  it('residual Add: L = (1 + σ(A))·σ(B), ≥ the exact constant of the linear model', () => {
    const x = tfl.input({ shape: [6] });
    const a = tfl.layers.dense({ units: 6, kernelInitializer: init(1), name: 'a' }).apply(x) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'skip' }).apply([x, a]) as tfl.SymbolicTensor;
    const y = tfl.layers.dense({ units: 3, kernelInitializer: init(2), name: 'b' }).apply(sum) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    const b = lipschitzUpperBound(model);
    const [sa, sb] = ['a', 'b'].map((n) => sigma(model.getLayer(n).getWeights()[0]!));
    expect(b.upperBound).toBeCloseTo((1 + sa!) * sb!, 5);
    expect(b.upperBound).toBeGreaterThanOrEqual(jointNorm(model, [[6]]));
    expect(b.layers.find((l) => l.name === 'skip')!.inputs).toEqual([model.inputs[0]!.sourceLayer.name, 'a']);
    expect(b.heads!.bodyBound).toBeCloseTo(1 + sa!, 5); // the head's input is the Add
    model.dispose();
  });

  it('Concatenate of two conv branches and two inputs: L = √(L₁² + L₂²) of the joint input, ≥ the exact constant', () => {
    const p = tfl.input({ shape: [5, 5, 2] });
    const q = tfl.input({ shape: [5, 5, 2] });
    const conv = (seed: number, s: tfl.SymbolicTensor) =>
      tfl.layers
        .conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init(seed), name: `c${seed}` })
        .apply(s) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate({ name: 'cat' }).apply([conv(1, p), conv(2, q)]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [p, q], outputs: tfl.layers.flatten().apply(cat) as tfl.SymbolicTensor });
    const b = lipschitzUpperBound(model);
    const [l1, l2] = ['c1', 'c2'].map((n) => b.layers.find((l) => l.name === n)!.bound);
    expect(b.upperBound).toBeCloseTo(Math.hypot(l1!, l2!), 6);
    const exact = jointNorm(model, [
      [5, 5, 2],
      [5, 5, 2],
    ]);
    expect(b.upperBound).toBeGreaterThanOrEqual(exact * (1 - 1e-6));
    // block-diagonal map: its norm is max(L₁, L₂); the bound is loose by at most √2 here
    expect(b.upperBound).toBeLessThan(Math.SQRT2 * exact * 1.01);
    model.dispose();
  });

  it('two outputs: one bound each, and √(Σ L_o²) for the pair; a shared layer is bounded once per call', () => {
    const x = tfl.input({ shape: [4] });
    const shared = tfl.layers.dense({ units: 4, kernelInitializer: init(3), name: 'shared' });
    const h = shared.apply(x) as tfl.SymbolicTensor;
    const h2 = shared.apply(h) as tfl.SymbolicTensor;
    const o1 = tfl.layers.dense({ units: 2, kernelInitializer: init(4), name: 'o1' }).apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: [o1, h2] });
    const b = lipschitzUpperBound(model);
    const s = sigma(shared.getWeights()[0]!);
    const so = sigma(model.getLayer('o1').getWeights()[0]!);
    expect(b.layers.filter((l) => l.name === 'shared')).toHaveLength(2);
    expect(b.outputs.map((o) => o.name)).toEqual(['o1', 'shared']);
    expect(b.outputs[0]!.upperBound).toBeCloseTo(s * so, 5);
    expect(b.outputs[1]!.upperBound).toBeCloseTo(s * s, 5);
    expect(b.upperBound).toBeCloseTo(Math.hypot(s * so, s * s), 5);
    expect(b.outputs[0]!.heads).toBeDefined();
    expect(b.heads).toBeUndefined(); // several outputs: heads per output
    expect(b.upperBound).toBeGreaterThanOrEqual(jointNorm(model, [[4]]));
    model.dispose();
  });

  it('a nested Sequential inside a functional model is bounded as one layer', () => {
    const inner = tfl.sequential({
      name: 'inner',
      layers: [tfl.layers.dense({ inputShape: [5], units: 5, kernelInitializer: init(5) })],
    });
    const x = tfl.input({ shape: [5] });
    const y = tfl.layers.dense({ units: 2, kernelInitializer: init(6), name: 'out' }).apply(inner.apply(x));
    const model = tfl.model({ inputs: x, outputs: y as tfl.SymbolicTensor });
    const b = lipschitzUpperBound(model);
    expect(b.layers.map((l) => l.name)).toEqual(['inner', 'out']);
    expect(b.upperBound).toBeCloseTo(
      sigma(inner.layers[0]!.getWeights()[0]!) * sigma(model.getLayer('out').getWeights()[0]!),
      5,
    );
    model.dispose();
  });

  it('a residual CNN of @lipnet layers (LipResidual merge): empirical lower bounds ≤ the bound ≤ 1', () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const h = spectralConv2d({ filters: 4, kernelSize: 3, activation: new GroupSort2() }).apply(
      x,
    ) as tfl.SymbolicTensor;
    const branch = spectralConv2d({ filters: 4, kernelSize: 3, activation: new GroupSort2() }).apply(
      h,
    ) as tfl.SymbolicTensor;
    const merged = lipResidual({ name: 'res' }).apply([h, branch]) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, kernelInitializer: init(7) }).apply(tfl.layers.flatten().apply(merged));
    const model = lipschitzModel({ inputs: x, outputs: out as tfl.SymbolicTensor, warn: () => undefined });
    const b = lipschitzUpperBound(model);
    const res = b.layers.find((l) => l.name === 'res')!;
    expect(res.method).toMatch(/LipResidual: 0\.5000·L_x \+ 0\.5000·L_y/);
    expect(res.outputBound).toBeLessThanOrEqual(1 + 1e-6);
    const xs = tf.randomUniform([4, 8, 8, 2], 0, 1, 'float32', 3);
    const e = empiricalLipschitz(model, xs, { attackSteps: 10 });
    expect(e.lowerBound).toBeLessThanOrEqual(b.upperBound);
    xs.dispose();
    model.dispose();
  });

  it('Multiply is refused, naming the layer and why', () => {
    const x = tfl.input({ shape: [3] });
    const y = tfl.layers.multiply({ name: 'gate' }).apply([x, x]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    expect(() => lipschitzUpperBound(model)).toThrow(LipnetUnsupportedError);
    expect(() => lipschitzUpperBound(model)).toThrow(/layer 'gate' \(Multiply\) multiplies its inputs, a bilinear map/);
    model.dispose();
  });

  it('inputShape must give one shape per input', () => {
    const p = tfl.input({ shape: [2] });
    const q = tfl.input({ shape: [2] });
    const model = tfl.model({ inputs: [p, q], outputs: tfl.layers.add().apply([p, q]) as tfl.SymbolicTensor });
    expect(() => lipschitzUpperBound(model, { inputShape: [2] })).toThrow(
      /the model has 2 inputs, but `inputShape` gives 1/,
    );
    expect(lipschitzUpperBound(model).upperBound).toBeCloseTo(2, 10);
    model.dispose();
  });

  it('leaks no tensor on a graph', async () => {
    const x = tfl.input({ shape: [4] });
    const a = tfl.layers.dense({ units: 4 }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: tfl.layers.concatenate().apply([x, a]) as tfl.SymbolicTensor });
    await expectNoLeakedTensors(() => {
      lipschitzUpperBound(model);
    }, 1);
    model.dispose();
  });
});
