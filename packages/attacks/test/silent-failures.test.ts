/**
 * Inputs that used to run and return something wrong (issue 14), each now refused with a
 * LipnetError naming the option or argument.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError, type LipnetError } from '@lipnet/core';
import { L2CarliniWagnerAttack, LinfPGD, HopSkipJump } from '../src';

async function errorOf(f: () => unknown): Promise<LipnetError> {
  try {
    await f();
  } catch (e) {
    return e as LipnetError;
  }
  throw new Error('expected an error, nothing was thrown');
}

// A linear 2-class model on 4 features: f(x) = (x₀ − 0.5, 0.5 − x₀); the boundary is x₀ = 0.5, 0.1 away.
const W = tf.tensor2d([1, -1, 0, 0, 0, 0, 0, 0], [4, 2]);
const b = tf.tensor1d([-0.5, 0.5]);
const images = tf.tensor2d([
  [0.6, 0.5, 0.5, 0.5],
  [0.4, 0.5, 0.5, 0.5],
]);
const labels = [0, 1];
const floatModel = (x: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, W), b);

describe('attacks: options are checked, nothing runs silently wrong', () => {
  it('a mistyped option key is refused with the closest valid one (was: ignored, 10,000 steps)', () => {
    expect(() => new L2CarliniWagnerAttack({ stepps: 5 } as never)).toThrow(LipnetOptionError);
    expect(() => new L2CarliniWagnerAttack({ stepps: 5 } as never)).toThrow(
      /^L2CarliniWagnerAttack: unknown option `stepps`\. Did you mean `steps`\?/,
    );
    expect(() => new LinfPGD({ randomStart: 'yes' } as never)).toThrow(
      "LinfPGD: expected `randomStart` to be a boolean, got 'yes'. Pass true or false.",
    );
  });

  it('a mistyped run option is refused', async () => {
    const e = await errorOf(() =>
      new L2CarliniWagnerAttack({ steps: 5 }).run(floatModel, images, labels, { epsilon: 0.1 } as never),
    );
    expect(e).toBeInstanceOf(LipnetOptionError);
    expect([e.code, e.option]).toEqual(['UNKNOWN_OPTION', 'epsilon']);
    expect(e.message).toContain('Did you mean `epsilons`?');
  });

  it('int32 logits are refused by gradient attacks (was: "no adversarial" for every sample)', async () => {
    const intModel = (x: tf.Tensor) => tf.cast(tf.mul(floatModel(x), 100), 'int32');
    const e = await errorOf(() =>
      new L2CarliniWagnerAttack({ binarySearchSteps: 2, steps: 20 }).run(intModel, images, labels),
    );
    expect(e).toBeInstanceOf(LipnetInputError);
    expect([e.code, e.option]).toEqual(['INVALID_DTYPE', 'model']);
    expect(e.message).toMatch(/float32 logits.*int32/);
  });

  it('int32 logits are fine for the decision-based attack (it reads only the argmax)', async () => {
    const intModel = (x: tf.Tensor) => tf.cast(tf.mul(floatModel(x), 100), 'int32');
    const r = await new HopSkipJump({ steps: 2, initDirections: 20, initialGradientEvalSteps: 10 }).run(
      intModel,
      images,
      labels,
      { seed: 1 },
    );
    expect(Array.from(r.success.dataSync())).toEqual([1, 1]);
    tf.dispose([r.raw, r.clipped, r.success]);
  });
});
