import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { defineOptions, opt } from '@lipnet/core';
import { norms, perSample } from './ops';

/** Options of the DeepFool attacks; defaults are foolbox 3.3.4's. */
export interface DeepFoolAttackArgs {
  /** Maximum number of linearisation steps. Default 50. */
  steps?: number;
  /** Number of top classes considered (the original one included), ≥ 2. Default 10 (capped at C). */
  candidates?: number;
  /** Extra push past the linearised boundary, `x = x₀ + (1+overshoot)·Σp`. Default 0.02. */
  overshoot?: number;
}

const DEEPFOOL_OPTIONS = defineOptions('DeepFoolAttack', {
  steps: opt.integer({ min: 1 }).default(50),
  candidates: opt.integer({ min: 2 }).default(10),
  overshoot: opt.number({ min: 0 }).default(0.02),
});

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016), foolbox `DeepFoolAttack` with `loss="logits"`.
 * The candidate classes `i₀, i₁, …` are the top-`candidates` logits of the clean input
 * (`i₀` = its prediction). Each step linearises `l_k = z_{i_k} − z_{i₀}`, picks
 * `k* = argmin_k |l_k| / ‖∇l_k‖_dual`, adds `p = (d* + 1e-4)·dir(∇l_{k*})` to the running total and
 * sets `x = clip(x₀ + (1+overshoot)·Σp)`; adversarial samples are frozen.
 * All candidate gradients of a step come from one backward pass (the batch is tiled).
 * Untargeted only.
 */
abstract class DeepFoolBase extends Attack {
  readonly kind = 'minimization' as const;
  protected override readonly supportsTargeted = false;
  readonly steps: number;
  readonly candidates: number;
  readonly overshoot: number;

  constructor(args: DeepFoolAttackArgs, name: string) {
    super();
    const o = DEEPFOOL_OPTIONS.parse(args, name);
    this.steps = o.steps;
    this.candidates = o.candidates;
    this.overshoot = o.overshoot;
  }

  /** Distance to the linearised boundary, `|l| / ‖g‖_dual`, `[n, K]` from losses `[n, K]` and grads `[n, K, D]`. */
  protected abstract distances(losses: tf.Tensor, grads: tf.Tensor): tf.Tensor;
  /** Step of length `d` along the gradient `[n, D]` in this norm. */
  protected abstract perturbation(d: tf.Tensor, g: tf.Tensor): tf.Tensor;

  protected async attackBatch(ctx: AttackContext, x0: tf.Tensor): Promise<tf.Tensor> {
    const n = x0.shape[0];
    const dims = x0.shape.slice(1);
    const dSize = dims.reduce((p, q) => p * q, 1);
    const [lo, hi] = ctx.bounds;
    const k = Math.min(this.candidates, ctx.numClasses);
    const km = k - 1;
    // Candidate classes from the clean logits: [n, k], column 0 = prediction.
    const cls = tf.tidy(() => tf.topk(ctx.logits(x0), k).indices);
    // Per tile j (0..k-2): one-hot of i_{j+1} minus one-hot of i_0, stacked to [(k-1)·n, C].
    const sel = tf.tidy(() => {
      const cols = tf.unstack(cls, 1);
      const oh0 = tf.oneHot(cols[0] as tf.Tensor1D, ctx.numClasses);
      return tf.cast(
        tf.concat(cols.slice(1).map((c) => tf.sub(tf.oneHot(c as tf.Tensor1D, ctx.numClasses), oh0))),
        'float32',
      );
    });
    let x = tf.clone(x0);
    let pTotal = tf.zerosLike(x0);
    try {
      for (let step = 0; step < this.steps; step++) {
        const out = tf.tidy(() => {
          let zKept: tf.Tensor | null = null;
          const f = (xt: tf.Tensor) => {
            const z = ctx.logits(xt);
            zKept = tf.keep(tf.slice(z, 0, n));
            return tf.sum(tf.mul(z, sel)) as tf.Scalar;
          };
          const xt = tf.concat(new Array<tf.Tensor>(km).fill(x));
          const { grad } = tf.valueAndGrad(f)(xt);
          const z = zKept as unknown as tf.Tensor;
          const isAdv = ctx.isAdversarial(z);
          // losses [n, k-1]: z_{i_j} − z_{i_0} at x; grads [n, k-1, D].
          const zT = tf.concat(new Array<tf.Tensor>(km).fill(z));
          const losses = tf.transpose(tf.reshape(tf.sum(tf.mul(zT, sel), 1), [km, n]));
          const grads = tf.transpose(tf.reshape(grad, [km, n, dSize]), [1, 0, 2]);
          const dist = this.distances(losses, grads);
          const best = tf.cast(
            tf.equal(tf.expandDims(tf.argMin(dist, 1), 1), tf.expandDims(tf.range(0, km, 1, 'int32'), 0)),
            'float32',
          );
          const dBest = tf.add(tf.sum(tf.mul(dist, best), 1), 1e-4);
          const gBest = tf.sum(tf.mul(grads, tf.expandDims(best, 2)), 1);
          const p = tf.reshape(this.perturbation(dBest, gBest), x0.shape);
          const pT = tf.add(pTotal, p);
          const cand = tf.clipByValue(tf.add(x0, tf.mul(pT, 1 + this.overshoot)), lo, hi);
          const mask = tf.cast(tf.tile(perSample(isAdv, x0.rank), [1, ...dims]), 'bool');
          const allAdv = tf.all(isAdv);
          z.dispose();
          return { x: tf.where(mask, x, cand), pTotal: pT, allAdv };
        });
        const done = (await out.allAdv.data())[0];
        out.allAdv.dispose();
        if (done) {
          tf.dispose([out.x, out.pTotal]);
          break;
        }
        tf.dispose([x, pTotal]);
        x = out.x;
        pTotal = out.pTotal;
        if (await ctx.tick(step + 1, this.steps)) break;
      }
      await ctx.tick(this.steps, this.steps);
      const r = x;
      x = tf.zeros([0]);
      return r;
    } finally {
      tf.dispose([cls, sel, x, pTotal]);
    }
  }
}

/**
 * L2 DeepFool (foolbox `L2DeepFoolAttack`): distance `|l|/(‖∇l‖₂+1e-8)`, step
 * `p = d·∇l/(‖∇l‖₂+1e-8)`. Very effective and cheap on gradient-norm-preserving nets.
 *
 * @example
 * const { clipped } = await new L2DeepFoolAttack({ overshoot: 0.02 }).run(model, x, y);
 */
export class L2DeepFoolAttack extends DeepFoolBase {
  readonly name: string = 'L2DeepFoolAttack';
  readonly distance = 'l2' as const;
  constructor(args: DeepFoolAttackArgs = {}) {
    super(args, 'L2DeepFoolAttack');
  }
  protected distances(losses: tf.Tensor, grads: tf.Tensor): tf.Tensor {
    return tf.div(tf.abs(losses), tf.add(tf.sqrt(tf.sum(tf.square(grads), 2)), 1e-8));
  }
  protected perturbation(d: tf.Tensor, g: tf.Tensor): tf.Tensor {
    return tf.mul(g, tf.expandDims(tf.div(d, tf.add(norms(g), 1e-8)), 1));
  }
}

/**
 * L∞ DeepFool (foolbox `LinfDeepFoolAttack`): distance `|l|/(‖∇l‖₁+1e-8)`, step `p = d·sign(∇l)`.
 *
 * @example
 * const { clipped } = await new LinfDeepFoolAttack().run(model, x, y);
 */
export class LinfDeepFoolAttack extends DeepFoolBase {
  readonly name: string = 'LinfDeepFoolAttack';
  readonly distance = 'linf' as const;
  constructor(args: DeepFoolAttackArgs = {}) {
    super(args, 'LinfDeepFoolAttack');
  }
  protected distances(losses: tf.Tensor, grads: tf.Tensor): tf.Tensor {
    return tf.div(tf.abs(losses), tf.add(tf.sum(tf.abs(grads), 2), 1e-8));
  }
  protected perturbation(d: tf.Tensor, g: tf.Tensor): tf.Tensor {
    return tf.mul(tf.sign(g), tf.expandDims(d, 1));
  }
}
