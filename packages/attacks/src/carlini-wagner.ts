import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { defineOptions, opt } from '@lipnet/core';
import { margin, norms, whereSample } from './ops';

/** Options of {@link L2CarliniWagnerAttack}; defaults are foolbox 3.3.4's. */
export interface L2CarliniWagnerAttackArgs {
  /** Binary-search steps over the constant c. Default 9. */
  binarySearchSteps?: number;
  /** Adam steps per binary-search step. Default 10000. */
  steps?: number;
  /** Adam learning rate (in tanh space). Default 1e-2. */
  stepsize?: number;
  /** Margin κ required on the logits. Default 0. */
  confidence?: number;
  /** First value of c. Default 1e-3. */
  initialConst?: number;
  /** Stop an Adam run when the loss did not fall by 0.01 % over a tenth of the steps. Default true. */
  abortEarly?: boolean;
}

const CW_OPTIONS = defineOptions('L2CarliniWagnerAttack', {
  binarySearchSteps: opt.integer({ min: 1 }).default(9),
  steps: opt.integer({ min: 1 }).default(10000),
  stepsize: opt.number({ gt: 0 }).default(1e-2),
  confidence: opt.number({ min: 0 }).default(0),
  initialConst: opt.number({ gt: 0 }).default(1e-3),
  abortEarly: opt.boolean().default(true),
});

/**
 * Carlini & Wagner L2 attack (foolbox `L2CarliniWagnerAttack`, v3.3.4; Carlini & Wagner 2017,
 * "Towards Evaluating the Robustness of Neural Networks").
 *
 * With `a = (max+min)/2`, `b = (max−min)/2`, `w₀ = atanh(((x−a)/b)·0.999999)`, `x̃ = tanh(w₀)·b + a`
 * and `x' = tanh(w₀ + δ)·b + a`, each Adam run minimises over δ (starting at 0, fresh Adam state)
 *
 *   `Σᵢ cᵢ·max(0, z_y − max_{j≠y} z_j + κ) + Σᵢ ‖x'ᵢ − x̃ᵢ‖²`   (targeted: `max_{j≠t} z_j − z_t`),
 *
 * with abort-early every `ceil(steps/10)` steps. After each run, c is multiplied by 10 while no
 * adversarial was found, and bisected once one was. The adversarial of smallest `‖x' − x‖₂`
 * (against the original x) is kept per sample. Differences from foolbox: a sample for which nothing
 * was found comes back unchanged (foolbox: zeros), and the loop reads the device once per
 * `ceil(steps/10)` steps only.
 *
 * @example
 * const cw = new L2CarliniWagnerAttack({ binarySearchSteps: 6, steps: 8000 }); // demo 4
 * const { clipped, success } = await cw.run(model, images, labels);
 */
export class L2CarliniWagnerAttack extends Attack {
  readonly name: string = 'L2CarliniWagnerAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  readonly binarySearchSteps: number;
  readonly steps: number;
  readonly stepsize: number;
  readonly confidence: number;
  readonly initialConst: number;
  readonly abortEarly: boolean;

  constructor(args: L2CarliniWagnerAttackArgs = {}) {
    super();
    const o = CW_OPTIONS.parse(args, this.name);
    this.binarySearchSteps = o.binarySearchSteps;
    this.steps = o.steps;
    this.stepsize = o.stepsize;
    this.confidence = o.confidence;
    this.initialConst = o.initialConst;
    this.abortEarly = o.abortEarly;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const n = x.shape[0];
    const [lo, hi] = ctx.bounds;
    const a = (hi + lo) / 2;
    const b = (hi - lo) / 2;
    const kappa = this.confidence;
    const toModel = (w: tf.Tensor) => tf.add(tf.mul(tf.tanh(w), b), a);
    const xAttack = tf.tidy(() => tf.atanh(tf.mul(tf.div(tf.sub(x, a), b), 0.999999)));
    const recon = tf.tidy(() => toModel(xAttack));
    const onehot = tf.tidy(() => tf.cast(tf.oneHot(ctx.classes, ctx.numClasses), 'float32'));
    // is_adv uses logits shifted by ±κ on the label/target column (foolbox `change_classes_logits`).
    const shift = tf.tidy(() => tf.mul(onehot, ctx.targeted ? -kappa : kappa));
    let bestAdv: tf.Tensor = tf.clone(x);
    let bestNorm: tf.Tensor = tf.fill([n], Infinity);
    const consts = new Float64Array(n).fill(this.initialConst);
    const lower = new Float64Array(n).fill(0);
    const upper = new Float64Array(n).fill(Infinity);
    const total = this.binarySearchSteps * this.steps;
    const checkEvery = Math.ceil(this.steps / 10);
    let stop = false;
    try {
      for (let bs = 0; bs < this.binarySearchSteps && !stop; bs++) {
        if (bs === this.binarySearchSteps - 1 && this.binarySearchSteps >= 10) {
          for (let i = 0; i < n; i++) consts[i] = Math.min(upper[i] as number, 1e10);
        }
        const c = tf.tensor1d(Float32Array.from(consts));
        let delta: tf.Tensor = tf.zerosLike(x);
        let m: tf.Tensor = tf.zerosLike(x);
        let v: tf.Tensor = tf.zerosLike(x);
        let found: tf.Tensor = tf.zeros([n], 'bool');
        let prevLoss = Infinity;
        try {
          for (let step = 0; step < this.steps; step++) {
            const t = step + 1;
            const out = tf.tidy(() => {
              let xp: tf.Tensor | null = null;
              let z: tf.Tensor | null = null;
              const lossFn = (d: tf.Tensor) => {
                const xpi = toModel(tf.add(xAttack, d));
                const zi = ctx.logits(xpi);
                xp = tf.keep(xpi);
                z = tf.keep(zi);
                const advLoss = tf.mul(tf.relu(tf.add(margin(zi, ctx.classes, ctx.targeted), kappa)), c);
                return tf.add(tf.sum(advLoss), tf.sum(tf.square(tf.sub(xpi, recon)))) as tf.Scalar;
              };
              const { value, grad } = tf.valueAndGrad(lossFn)(delta);
              const xpT = xp as unknown as tf.Tensor;
              const zT = z as unknown as tf.Tensor;
              // Adam (foolbox AdamOptimizer: β1 0.9, β2 0.999, ε 1e-8, bias-corrected), δ ← δ − lr·m̂/(√v̂+ε).
              const m2 = tf.add(tf.mul(m, 0.9), tf.mul(grad, 0.1));
              const v2 = tf.add(tf.mul(v, 0.999), tf.mul(tf.square(grad), 0.001));
              const mHat = tf.div(m2, 1 - Math.pow(0.9, t));
              const vHat = tf.div(v2, 1 - Math.pow(0.999, t));
              const d2 = tf.sub(delta, tf.div(tf.mul(mHat, this.stepsize), tf.add(tf.sqrt(vHat), 1e-8)));
              const isAdv = ctx.isAdversarial(tf.add(zT, shift));
              const nrm = norms(tf.sub(xpT, x));
              const better = tf.logicalAnd(isAdv, tf.less(nrm, bestNorm));
              const res = {
                value,
                delta: d2,
                m: m2,
                v: v2,
                found: tf.logicalOr(found, isAdv),
                bestAdv: whereSample(better, xpT, bestAdv),
                bestNorm: tf.where(better, nrm, bestNorm),
              };
              tf.dispose([xpT, zT]);
              return res;
            });
            // Abort-early check (foolbox order: before this step's adversarial is recorded).
            if (this.abortEarly && step % checkEvery === 0) {
              const loss = (await out.value.data())[0] as number;
              if (!(loss <= 0.9999 * prevLoss)) {
                tf.dispose([out.value, out.delta, out.m, out.v, out.found, out.bestAdv, out.bestNorm]);
                break;
              }
              prevLoss = loss;
            }
            tf.dispose([delta, m, v, found, bestAdv, bestNorm, out.value]);
            delta = out.delta;
            m = out.m;
            v = out.v;
            found = out.found;
            bestAdv = out.bestAdv;
            bestNorm = out.bestNorm;
            if (await ctx.tick(bs * this.steps + step + 1, total)) {
              stop = true;
              break;
            }
          }
          const f = await found.data();
          for (let i = 0; i < n; i++) {
            const ci = consts[i] as number;
            if (f[i]) upper[i] = ci;
            else lower[i] = ci;
            consts[i] = upper[i] === Infinity ? ci * 10 : ((lower[i] as number) + (upper[i] as number)) / 2;
          }
        } finally {
          tf.dispose([c, delta, m, v, found]);
        }
      }
      await ctx.tick(total, total);
      const result = bestAdv;
      bestAdv = tf.zeros([0]);
      return result;
    } finally {
      tf.dispose([xAttack, recon, onehot, shift, bestAdv, bestNorm]);
    }
  }
}
