/** The C&W objective's and tanh map's written-out gradients equal the taped compositions. */
import * as tf from '@tensorflow/tfjs-core';
import { cwObjective, tanhToModel } from '../src/cw-objective';

const maxRel = (a: number[], b: number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / Math.max(...b.map(Math.abs));

describe('cwObjective / tanhToModel', () => {
  it.each([false, true])('value and gradients equal the taped composition (targeted %s)', (targeted) => {
    const n = 4;
    const cls = tf.tensor1d([0, 3, 5, 2], 'int32');
    const onehot = tf.oneHot(cls, 6, 1, 0, 'float32');
    // Sample 0's class logit far above the rest, sample 1's far below: one hinge active, one not, whichever mode.
    const bump = tf.mul(onehot, tf.tensor2d([[10], [-10], [0], [0]]));
    const z = tf.add(tf.randomNormal([n, 6], 0, 2, 'float32', 12), bump);
    const xp = tf.randomUniform([n, 5], 0, 1, 'float32', 13);
    const recon = tf.randomUniform([n, 5], 0, 1, 'float32', 14);
    const c = tf.tensor1d([0.5, 2, 10, 0.01]);
    const excluded = tf.where(tf.cast(onehot, 'bool'), tf.fill([n, 6], Infinity), tf.zerosLike(onehot));
    const kappa = 0.3;
    const parts = { onehot, excluded, recon, kappa, targeted };
    const taped = (zz: tf.Tensor, xx: tf.Tensor) => {
      const zCls = tf.sum(tf.mul(zz, onehot), 1);
      const zOther = tf.max(tf.where(tf.cast(onehot, 'bool'), tf.fill([n, 6], -Infinity), zz), 1);
      const pre = tf.add(targeted ? tf.sub(zOther, zCls) : tf.sub(zCls, zOther), kappa);
      return tf.add(tf.sum(tf.mul(tf.relu(pre), c)), tf.sum(tf.square(tf.sub(xx, recon)))) as tf.Scalar;
    };
    const [wantZ, wantX] = tf.grads(taped)([z, xp]);
    const [gotZ, gotX] = tf.grads((zz: tf.Tensor, xx: tf.Tensor) => cwObjective(zz, xx, c, parts))([z, xp]);
    expect(cwObjective(z, xp, c, parts).dataSync()[0]).toBeCloseTo(taped(z, xp).dataSync()[0]!, 4);
    expect(maxRel(Array.from(gotZ!.dataSync()), Array.from(wantZ!.dataSync()))).toBeLessThan(1e-6);
    expect(maxRel(Array.from(gotX!.dataSync()), Array.from(wantX!.dataSync()))).toBeLessThan(1e-6);
    // At least one sample past its margin (zero gradient on z) and one inside it, so both branches count.
    const active = Array.from(tf.any(tf.notEqual(wantZ!, 0), 1).dataSync());
    expect(active).toContain(0);
    expect(active).toContain(1);
    const w = tf.randomNormal([n, 5], 0, 1.5, 'float32', 15);
    const [a, b] = [0.5, 0.5];
    const tapedTanh = (v: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.mul(tf.tanh(v), b), a), recon));
    const gotT = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tanhToModel(v, a, b), recon)))(w);
    expect(maxRel(Array.from(gotT.dataSync()), Array.from(tf.grad(tapedTanh)(w).dataSync()))).toBeLessThan(1e-6);
  });
});
