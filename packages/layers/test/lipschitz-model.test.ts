import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import {
  condense,
  groupSort2,
  lipResidual,
  lipschitzModel,
  scaledGlobalL2NormPooling2D,
  spectralConv2d,
  spectralDense,
  frobeniusDense,
  vanillaExport,
} from '../src';
import { randn } from './activations/probe';

/** A residual CNN: conv → [conv block + skip via LipResidual] → [conv block + skip via Add] → pool → heads. */
function residualNet(warn: (m: string) => void = () => {}) {
  const x = tfl.input({ shape: [6, 6, 4] });
  const a = spectralConv2d({ filters: 4, kernelSize: 3, activation: groupSort2() }).apply(x) as tfl.SymbolicTensor;
  const b = spectralConv2d({ filters: 4, kernelSize: 3, activation: groupSort2() }).apply(a) as tfl.SymbolicTensor;
  const r1 = lipResidual({ name: 'mix' }).apply([a, b]) as tfl.SymbolicTensor;
  const c = spectralConv2d({ filters: 4, kernelSize: 3 }).apply(r1) as tfl.SymbolicTensor;
  const r2 = tfl.layers.add().apply([r1, c]) as tfl.SymbolicTensor;
  const p = scaledGlobalL2NormPooling2D().apply(r2) as tfl.SymbolicTensor;
  const out = frobeniusDense({ units: 3 }).apply(
    spectralDense({ units: 6, activation: groupSort2() }).apply(p),
  ) as tfl.SymbolicTensor;
  return lipschitzModel({ inputs: x, outputs: out, warn });
}

describe('lipschitzModel (deel-lip functional Model): residual graphs', () => {
  const x = tf.tensor4d(randn(2 * 6 * 6 * 4, 13), [2, 6, 6, 4]);

  it('condenses and exports a residual graph to plain tfjs layers computing the same function', () => {
    const model = residualNet();
    model.getLayer('mix').setWeights([tf.scalar(0.4)]);
    const before = model.predict(x) as tf.Tensor;
    expect(condense(model)).toBe(5);
    expectTensorsClose(model.predict(x) as tf.Tensor, before, { rtol: 1e-4, atol: 1e-5 });
    const plain = vanillaExport(model);
    const classes = plain.layers.map((l) => l.getClassName());
    expect(classes).toEqual(expect.arrayContaining(['Conv2D', 'Add', 'LipResidual', 'Dense']));
    expect(classes).not.toContain('SpectralConv2D');
    expectTensorsClose(plain.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { rtol: 1e-5, atol: 1e-5 });
  });

  it('round-trips through save/load and warns only for non-Lipschitz layers', async () => {
    const model = residualNet();
    const loaded = await saveLoadRoundTrip(model);
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { rtol: 1e-5, atol: 1e-5 });
    const warned: string[] = [];
    residualNet((m) => warned.push(m));
    expect(warned).toEqual([]);
    const i = tfl.input({ shape: [3] });
    lipschitzModel({
      inputs: i,
      outputs: tfl.layers.dense({ units: 2 }).apply(i) as tfl.SymbolicTensor,
      warn: (m) => warned.push(m),
    });
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/'dense.*' \(Dense\) is not a Lipschitz layer/);
  });
});
