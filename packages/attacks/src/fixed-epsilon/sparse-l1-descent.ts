import * as tf from '@tensorflow/tfjs-core';
import { opt } from '@lipnet/core';
import { normalizeL1, projectL1Ball } from '../geometry/lp-ball';
import type { Bounds } from '../types';
import { LpGradientDescent, type LpGradientArgs } from './lp-gradient-descent';

/** Options of {@link SparseL1DescentAttack}. */
export interface SparseL1DescentArgs extends LpGradientArgs {
  /** Only coordinates with |∇| at or above this per-sample quantile move. Default 0.99. */
  quantile?: number;
}

/** `quantile`: a number in [0, 1], default 0.99. */
const QUANTILE = opt.number({ min: 0, max: 1 }).default(0.99);

/**
 * Per-row quantile of `[n, d]` values with linear interpolation between order statistics
 * (NumPy's default `np.quantile` method), `[n, 1]`.
 */
function rowQuantile(v: tf.Tensor2D, q: number): tf.Tensor {
  const d = v.shape[1];
  const asc = tf.reverse(tf.topk(v, d).values, 1);
  const h = (d - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, d - 1);
  const a = tf.slice(asc, [0, lo], [-1, 1]);
  const b = tf.slice(asc, [0, hi], [-1, 1]);
  return tf.add(a, tf.mul(tf.sub(b, a), h - lo));
}

/**
 * Sparse L1 descent (foolbox `SparseL1DescentAttack`, Tramèr & Boneh 2019): like L1 PGD, but the
 * direction is `sign(∇CE)` on the coordinates whose |∇| reaches the `quantile` of the sample (others
 * 0; coordinates at a bound whose gradient points outside are dropped first), L1-normalised; δ is
 * Euclidean-projected onto the L1 ball. Defaults `quantile 0.99, relStepsize 0.2, steps 10, randomStart false`.
 *
 * @example
 * const [r] = await new SparseL1DescentAttack().run(model, x, y, { epsilons: [10] });
 */
export class SparseL1DescentAttack extends LpGradientDescent {
  readonly name: string = 'SparseL1DescentAttack';
  readonly distance = 'l1' as const;
  readonly quantile: number;
  constructor(args: SparseL1DescentArgs = {}) {
    const who = 'SparseL1DescentAttack';
    super(who, args, { relStepsize: 0.2, steps: 10, randomStart: false }, { quantile: QUANTILE });
    this.quantile = QUANTILE.resolve(args.quantile, { who, path: 'quantile' });
  }
  protected override normalize(g: tf.Tensor, x: tf.Tensor, [lo, hi]: Bounds): tf.Tensor {
    return tf.tidy(() => {
      const n = g.shape[0];
      const bad = tf.logicalOr(
        tf.logicalAnd(tf.equal(x, lo), tf.less(g, 0)),
        tf.logicalAnd(tf.equal(x, hi), tf.greater(g, 0)),
      );
      const g2 = tf.where(bad, tf.zerosLike(g), g);
      const abs = tf.reshape(tf.abs(g2), [n, -1]) as tf.Tensor2D;
      const keep = tf.greaterEqual(abs, rowQuantile(abs, this.quantile));
      const e = tf.where(keep, tf.sign(tf.reshape(g2, [n, -1])), tf.zerosLike(abs));
      return tf.reshape(normalizeL1(e), g.shape);
    });
  }
  protected override project(x: tf.Tensor, x0: tf.Tensor, eps: number): tf.Tensor {
    return tf.tidy(() => tf.add(x0, projectL1Ball(tf.sub(x, x0), eps)));
  }
}
