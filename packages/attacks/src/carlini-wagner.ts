import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from './attack';
import { cwStepCompiler, defineOptions, opt, type CwStepProgram } from '@lipnet/core';
import { norms, whereSample } from './ops';
import { cwObjective, tanhToModel } from './cw-objective';
import { CW_RUN_OPTIONS, batchLossAt, type CwBatchLoss, type CwRunOptions } from './cw-batch-loss';

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
 * `ceil(steps/10)` steps only. `run`'s option `batchLoss` (see {@link CwRunOptions}) lets shards of one
 * batch, attacked in separate threads, abort early on the whole batch's loss.
 *
 * @example
 * const cw = new L2CarliniWagnerAttack({ binarySearchSteps: 6, steps: 8000 }); // demo 4
 * const { clipped, success } = await cw.run(model, images, labels);
 */
export class L2CarliniWagnerAttack extends Attack<CwRunOptions> {
  readonly name: string = 'L2CarliniWagnerAttack';
  protected override readonly runOptions = CW_RUN_OPTIONS;
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
    const p = tanhProblem(ctx, x, this.confidence, this.stepsize);
    const best: CwBest = { adv: tf.clone(x), norm: tf.fill([n], Infinity) };
    const consts = new Float64Array(n).fill(this.initialConst);
    const lower = new Float64Array(n).fill(0);
    const upper = new Float64Array(n).fill(Infinity);
    const total = this.binarySearchSteps * this.steps;
    let stop = false;
    const abort: AbortEarly = { batchLoss: ctx.runOptions['batchLoss'] as CwBatchLoss | undefined, checks: 0 };
    try {
      for (let bs = 0; bs < this.binarySearchSteps && !stop; bs++) {
        if (bs === this.binarySearchSteps - 1 && this.binarySearchSteps >= 10) {
          for (let i = 0; i < n; i++) consts[i] = Math.min(upper[i] as number, 1e10);
        }
        const c = tf.tensor1d(Float32Array.from(consts));
        try {
          const run = await adamRun(this, p, best, c, bs, abort);
          stop = run.stopped;
          bisectConsts(consts, lower, upper, run.found);
        } finally {
          c.dispose();
        }
      }
      await ctx.tick(total, total);
      const result = best.adv;
      best.adv = tf.zeros([0]);
      return result;
    } finally {
      tf.dispose([p.xAttack, p.recon, p.onehot, p.excluded, p.shift, best.adv, best.norm]);
      p.program?.dispose();
    }
  }
}

/** One batch's problem in tanh space: x' = tanh(w₀ + δ)·b + a (tensors disposed by the caller). */
interface TanhProblem {
  ctx: AttackContext;
  x: tf.Tensor;
  kappa: number;
  /** w ↦ tanh(w)·b + a. */
  toModel: (w: tf.Tensor) => tf.Tensor;
  /** w₀ = atanh(((x−a)/b)·0.999999). */
  xAttack: tf.Tensor;
  /** x̃ = toModel(w₀). */
  recon: tf.Tensor;
  onehot: tf.Tensor;
  /** +∞ on the label/target column, 0 elsewhere (the best other class is the argmax of z − this). */
  excluded: tf.Tensor;
  /** ±κ on the label/target column, for is_adv. */
  shift: tf.Tensor;
  /** The whole step compiled by the backend (see @lipnet/core's `CwStepProgram`), or null: the eager {@link adamStep}. */
  program: CwStepProgram | null;
}

/** The adversarials of smallest ‖x' − x‖₂ found so far, per sample, and their norms. */
interface CwBest {
  adv: tf.Tensor;
  norm: tf.Tensor;
}

/** Abort-early of one batch: the whole batch's loss from this one's (`batchLoss`), and the checks made. */
interface AbortEarly {
  batchLoss: CwBatchLoss | undefined;
  checks: number;
}

/** The state of one Adam run: δ, the moments, and which samples were adversarial at some step. */
interface AdamState {
  delta: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  found: tf.Tensor;
}

/** The tanh-space problem of batch `x` with margin `kappa` (and Adam rate `stepsize`, for a compiled step). */
function tanhProblem(ctx: AttackContext, x: tf.Tensor, kappa: number, stepsize: number): TanhProblem {
  const [lo, hi] = ctx.bounds;
  const a = (hi + lo) / 2;
  const b = (hi - lo) / 2;
  const toModel = (w: tf.Tensor) => tanhToModel(w, a, b);
  const xAttack = tf.tidy(() => tf.atanh(tf.mul(tf.div(tf.sub(x, a), b), 0.999999)));
  const recon = tf.tidy(() => toModel(xAttack));
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(ctx.classes, ctx.numClasses), 'float32'));
  const excluded = tf.tidy(() =>
    tf.where(tf.cast(onehot, 'bool'), tf.fill(onehot.shape, Infinity), tf.zerosLike(onehot)),
  );
  // is_adv uses logits shifted by ±κ on the label/target column (foolbox `change_classes_logits`).
  const shift = tf.tidy(() => tf.mul(onehot, ctx.targeted ? -kappa : kappa));
  const compile = ctx.layersModel ? cwStepCompiler() : null;
  const program = compile
    ? compile({
        model: ctx.layersModel,
        inputShape: x.shape,
        numClasses: ctx.numClasses,
        a,
        b,
        kappa,
        targeted: ctx.targeted,
        stepsize,
      })
    : null;
  return { ctx, x, kappa, toModel, xAttack, recon, onehot, excluded, shift, program };
}

/**
 * One Adam run of binary-search step `bs` with constants `c`, from δ = 0 with fresh Adam state,
 * recording better adversarials into `best`. Returns which samples were adversarial at some step
 * and whether the context asked to stop.
 */
async function adamRun(
  attack: L2CarliniWagnerAttack,
  p: TanhProblem,
  best: CwBest,
  c: tf.Tensor,
  bs: number,
  abort: AbortEarly,
): Promise<{ found: Uint8Array | Float32Array | Int32Array; stopped: boolean }> {
  const n = p.x.shape[0];
  const total = attack.binarySearchSteps * attack.steps;
  const checkEvery = Math.ceil(attack.steps / 10);
  const s: AdamState = {
    delta: tf.zerosLike(p.x),
    m: tf.zerosLike(p.x),
    v: tf.zerosLike(p.x),
    found: tf.zeros([n], 'bool'),
  };
  let prevLoss = Infinity;
  let stopped = false;
  try {
    for (let step = 0; step < attack.steps; step++) {
      const out = p.program
        ? p.program.run({ ...p, ...s, bestAdv: best.adv, bestNorm: best.norm, c, classes: p.ctx.classes }, step + 1)
        : adamStep(p, s, best, c, step + 1, attack.stepsize);
      // Abort-early check (foolbox order: before this step's adversarial is recorded), on the whole batch's loss.
      if (attack.abortEarly && step % checkEvery === 0) {
        const own = (await out.value.data())[0] as number;
        const check = { binarySearchStep: bs, step, index: abort.checks++ };
        const loss = batchLossAt(attack.name, abort.batchLoss, own, check);
        if (!(loss <= 0.9999 * prevLoss)) {
          tf.dispose([out.value, out.delta, out.m, out.v, out.found, out.bestAdv, out.bestNorm]);
          break;
        }
        prevLoss = loss;
      }
      tf.dispose([s.delta, s.m, s.v, s.found, best.adv, best.norm, out.value]);
      s.delta = out.delta;
      s.m = out.m;
      s.v = out.v;
      s.found = out.found;
      best.adv = out.bestAdv;
      best.norm = out.bestNorm;
      if (await p.ctx.tick(bs * attack.steps + step + 1, total)) {
        stopped = true;
        break;
      }
    }
    return { found: await s.found.data(), stopped };
  } finally {
    tf.dispose([s.delta, s.m, s.v, s.found]);
  }
}

/**
 * Adam step `t` on the loss Σᵢ cᵢ·max(0, margin + κ) + Σᵢ ‖x'ᵢ − x̃ᵢ‖² (foolbox AdamOptimizer:
 * β1 0.9, β2 0.999, ε 1e-8, bias-corrected): the loss, the next state and the best adversarials
 * with this step's x' recorded (all new tensors).
 */
function adamStep(p: TanhProblem, s: AdamState, best: CwBest, c: tf.Tensor, t: number, stepsize: number) {
  const { ctx } = p;
  return tf.tidy(() => {
    let xp: tf.Tensor | null = null;
    let z: tf.Tensor | null = null;
    const lossFn = (d: tf.Tensor) => {
      const xpi = p.toModel(tf.add(p.xAttack, d));
      const zi = ctx.logits(xpi);
      xp = tf.keep(xpi);
      z = tf.keep(zi);
      const parts = { onehot: p.onehot, excluded: p.excluded, recon: p.recon, kappa: p.kappa, targeted: ctx.targeted };
      return cwObjective(zi, xpi, c, parts);
    };
    const { value, grad } = tf.valueAndGrad(lossFn)(s.delta);
    const xpT = xp as unknown as tf.Tensor;
    const zT = z as unknown as tf.Tensor;
    // δ ← δ − lr·m̂/(√v̂+ε).
    const m2 = tf.add(tf.mul(s.m, 0.9), tf.mul(grad, 0.1));
    const v2 = tf.add(tf.mul(s.v, 0.999), tf.mul(tf.square(grad), 0.001));
    const mHat = tf.div(m2, 1 - Math.pow(0.9, t));
    const vHat = tf.div(v2, 1 - Math.pow(0.999, t));
    const d2 = tf.sub(s.delta, tf.div(tf.mul(mHat, stepsize), tf.add(tf.sqrt(vHat), 1e-8)));
    const isAdv = ctx.isAdversarial(tf.add(zT, p.shift));
    const nrm = norms(tf.sub(xpT, p.x));
    const better = tf.logicalAnd(isAdv, tf.less(nrm, best.norm));
    const res = {
      value,
      delta: d2,
      m: m2,
      v: v2,
      found: tf.logicalOr(s.found, isAdv),
      bestAdv: whereSample(better, xpT, best.adv),
      bestNorm: tf.where(better, nrm, best.norm),
    };
    tf.dispose([xpT, zT]);
    return res;
  });
}

/** After a run: c becomes an upper bound where an adversarial was found, else a lower one; ×10 until bounded, then bisected. */
function bisectConsts(consts: Float64Array, lower: Float64Array, upper: Float64Array, found: ArrayLike<number>): void {
  for (let i = 0; i < consts.length; i++) {
    const ci = consts[i] as number;
    if (found[i]) upper[i] = ci;
    else lower[i] = ci;
    consts[i] = upper[i] === Infinity ? ci * 10 : ((lower[i] as number) + (upper[i] as number)) / 2;
  }
}
