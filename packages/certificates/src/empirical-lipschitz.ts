import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkTensor, defineOptions, opt } from '@lipnet/core';
import { powerIterationHermitian } from '@lipnet/constraints';

/** Options of {@link empiricalLipschitz}. */
export interface EmpiricalLipschitzOptions {
  /** 'jacobian': input-gradient norms; 'attack': gradient ascent on the ratio; 'both' (default). */
  method?: 'jacobian' | 'attack' | 'both';
  /** Gradient-ascent steps of the attack. Default 50. */
  attackSteps?: number;
  /** Initial ‖δ‖ of the attack (per sample). Default 0.1. */
  attackRadius?: number;
  /** Smallest ‖δ‖ the attack may reach (keeps float32 noise out of the ratio). Default 1e-2. */
  minRadius?: number;
  /** Samples per batch in the Jacobian pass (each is replicated C times). Default 16. */
  batchSize?: number;
  /** Seed of the attack's random start. Default 0. */
  seed?: number;
}

/** Result of {@link empiricalLipschitz}: lower bounds of the model's L2 Lipschitz constant. */
export interface EmpiricalLipschitz {
  /** max of the requested methods: a lower bound of the true constant. */
  lowerBound: number;
  /** max_i ‖J_f(x_i)‖₂ (when requested). */
  jacobian?: number;
  /** per-sample ‖J_f(x_i)‖₂. */
  jacobianPerSample?: number[];
  /** max_i ‖∇f_c(x_i)‖ per logit c: lower bounds of the per-head constants. */
  perHead?: number[];
  /** max_i ‖f(x_i + δ_i) − f(x_i)‖/‖δ_i‖ after gradient ascent on δ (when requested). */
  attack?: number;
  /** the pair reaching `attack`: sample index and ‖δ‖. */
  attackPair?: { index: number; deltaNorm: number };
}

const OPTIONS = defineOptions('empiricalLipschitz', {
  method: opt.oneOf(['jacobian', 'attack', 'both']).default('both'),
  attackSteps: opt.integer({ min: 0 }).default(50),
  attackRadius: opt.number({ gt: 0 }).default(0.1),
  minRadius: opt.number({ gt: 0 }).default(1e-2),
  batchSize: opt.integer({ min: 1 }).default(16),
  seed: opt.integer().default(0),
});

/**
 * Empirical lower bound of a model's L2 Lipschitz constant.
 *
 * - 'jacobian': for each sample, the full Jacobian J (C×d) is built from C
 *   backward passes (row c = ∇_x f_c), then ‖J‖₂ = √λ_max(JJᵀ) by power
 *   iteration on the C×C Gram matrix in float64 (a value ≤ ‖J‖₂, so still a
 *   lower bound). deel-lip 1.5.1 `evaluate_lip_const` (batch_jacobian);
 *   deel-torchlip `evaluation_type="jacobian_norm"`.
 * - 'attack': gradient ascent on ρ(δ) = ‖f(x+δ) − f(x)‖/‖δ‖ from a random δ
 *   (normalised-gradient steps of 10% of ‖δ‖, ‖δ‖ kept ≥ `minRadius`); every
 *   pair evaluated is a valid lower bound. deel-torchlip `evaluation_type="attack"`.
 *
 * Samples must be independent through the model (no batch statistics).
 * @param x inputs `[n, …]`.
 */
export function empiricalLipschitz(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: EmpiricalLipschitzOptions = {},
): EmpiricalLipschitz {
  const { method, attackSteps, attackRadius, minRadius, batchSize, seed } = OPTIONS.parse(options);
  checkTensor('empiricalLipschitz', 'x', x, { rank: [2, 3, 4, 5], layout: '[n, …]' });
  const f: FlatModel = (t) => {
    const y = model.apply(t) as tf.Tensor;
    return tf.reshape(y, [t.shape[0], -1]);
  };
  const out: EmpiricalLipschitz = { lowerBound: 0 };
  if (method !== 'attack') {
    const { per, perHead } = jacobianNorms(f, x, batchSize);
    out.jacobianPerSample = per;
    out.jacobian = Math.max(...per);
    out.perHead = perHead;
    out.lowerBound = Math.max(out.lowerBound, out.jacobian);
  }
  if (method !== 'jacobian') {
    const { best, bestR } = attackRatios(f, x, { attackSteps, attackRadius, minRadius, seed });
    let idx = 0;
    for (let i = 1; i < x.shape[0]; i++) if (best[i]! > best[idx]!) idx = i;
    out.attack = best[idx]!;
    out.attackPair = { index: idx, deltaNorm: bestR[idx]! };
    out.lowerBound = Math.max(out.lowerBound, out.attack);
  }
  return out;
}

/** The model with its output flattened to [n, C]. */
type FlatModel = (t: tf.Tensor) => tf.Tensor;

/** Per sample ‖J_f(x_i)‖₂, and per logit c max_i ‖∇f_c(x_i)‖, in batches of `batchSize` samples. */
function jacobianNorms(f: FlatModel, x: tf.Tensor, batchSize: number): { per: number[]; perHead: number[] } {
  const n = x.shape[0];
  const per: number[] = [];
  let perHead: number[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const rows = jacobianRows(f, x, s, Math.min(batchSize, n - s));
    const C = rows.length;
    const nb = Math.min(batchSize, n - s);
    const d = rows[0]!.length / nb;
    if (perHead.length === 0) perHead = new Array<number>(C).fill(0);
    for (let i = 0; i < nb; i++) {
      const G = jacobianGram(rows, i, d);
      for (let a = 0; a < C; a++) perHead[a] = Math.max(perHead[a]!, Math.sqrt(G[a * C + a]!));
      const e = powerIterationHermitian({ n: C, re: G, im: null }, 1000, 1e-12);
      per.push(Math.sqrt(e.lambda));
    }
  }
  return { per, perHead };
}

/**
 * The Jacobians of samples [s, s + nb): row c (∇_x f_c) of every sample as `rows[c]`, flattened [nb·d].
 * All C rows in one backward pass: the batch replicated C times, logit c of replica c back-propagated
 * (samples are independent through the model).
 */
function jacobianRows(f: FlatModel, x: tf.Tensor, s: number, count: number): Float32Array[] {
  return tf.tidy(() => {
    const xb = tf.slice(x, s, count);
    const nb = xb.shape[0];
    const C = f(tf.slice(xb, 0, 1)).shape[1]!;
    const rep = tf.concat(Array.from({ length: C }, () => xb)); // [C·nb, …], replica c = rows c·nb … c·nb+nb−1
    const sel = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: C * nb }, (_, i) => Math.floor(i / nb)),
        'int32',
      ),
      C,
    );
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), sel)))(rep);
    const flatG = tf.reshape(g, [C, nb, -1]);
    return tf.unstack(flatG).map((r) => r.dataSync() as Float32Array);
  });
}

/** JJᵀ (C×C, float64) of sample `i`, whose Jacobian rows are `rows[c]`[i·d, (i+1)·d). */
function jacobianGram(rows: Float32Array[], i: number, d: number): Float64Array {
  const C = rows.length;
  const G = new Float64Array(C * C);
  for (let a = 0; a < C; a++)
    for (let b = a; b < C; b++) {
      let acc = 0;
      const ra = rows[a]!;
      const rb = rows[b]!;
      for (let k = i * d; k < (i + 1) * d; k++) acc += ra[k]! * rb[k]!;
      G[a * C + b] = acc;
      G[b * C + a] = acc;
    }
  return G;
}

/** What the attack needs of {@link EmpiricalLipschitzOptions}. */
interface AttackSettings {
  attackSteps: number;
  attackRadius: number;
  minRadius: number;
  seed: number;
}

/** The ratio ρ(δ) = ‖f(x+δ) − f(x)‖/‖δ‖ per sample, with the shapes the ascent needs. */
interface RatioProblem {
  /** ρ(δ), [n]. */
  ratio: (d: tf.Tensor) => tf.Tensor;
  /** [n, …] to [n, d]. */
  flat: (t: tf.Tensor) => tf.Tensor;
  /** [n, 1, …, 1]: a per-sample scalar broadcast over x's shape. */
  bcast: number[];
}

/** Per sample, the largest ratio reached by gradient ascent on δ (`best`) and its ‖δ‖ (`bestR`). */
function attackRatios(f: FlatModel, x: tf.Tensor, o: AttackSettings): { best: Float64Array; bestR: Float64Array } {
  const n = x.shape[0];
  const dims = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const flat = (t: tf.Tensor) => tf.reshape(t, [n, dims]);
  let delta = tf.tidy(() => {
    const r = tf.randomNormal(x.shape, 0, 1, 'float32', o.seed);
    return tf.mul(r, tf.div(o.attackRadius, tf.reshape(tf.norm(flat(r), 2, 1), [n, ...x.shape.slice(1).map(() => 1)])));
  });
  const fx = tf.tidy(() => f(x));
  const ratio = (d: tf.Tensor) => {
    const num = tf.norm(tf.sub(f(tf.add(x, d)), fx), 2, 1);
    const den = tf.norm(flat(d), 2, 1);
    return tf.div(num, den);
  };
  const problem: RatioProblem = { ratio, flat, bcast: [n, ...x.shape.slice(1).map(() => 1)] };
  const best = new Float64Array(n);
  const bestR = new Float64Array(n);
  try {
    for (let step = 0; step <= o.attackSteps; step++) {
      const [next, r, dn] = ascentStep(problem, delta, o.minRadius);
      const rv = r.dataSync();
      const dv = dn.dataSync();
      for (let i = 0; i < n; i++)
        if (rv[i]! > best[i]!) {
          best[i] = rv[i]!;
          bestR[i] = dv[i]!;
        }
      r.dispose();
      dn.dispose();
      delta.dispose();
      delta = next;
    }
  } finally {
    delta.dispose();
    fx.dispose();
  }
  return { best, bestR };
}

/**
 * One normalised-gradient step of 10% of ‖δ‖ on Σ ρ(δ), ‖δ‖ then kept ≥ `minRadius`:
 * [the next δ, ρ(δ), ‖δ‖] (the last two of the current δ).
 */
function ascentStep(p: RatioProblem, delta: tf.Tensor, minRadius: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((d: tf.Tensor) => tf.sum(p.ratio(d)))(delta);
    value.dispose();
    const rr = p.ratio(delta);
    const dnorm = tf.norm(p.flat(delta), 2, 1);
    const gnorm = tf.maximum(tf.norm(p.flat(grad), 2, 1), 1e-30);
    const stepLen = tf.mul(dnorm, 0.1);
    let nd = tf.add(delta, tf.mul(grad, tf.reshape(tf.div(stepLen, gnorm), p.bcast)));
    const nn = tf.norm(p.flat(nd), 2, 1);
    nd = tf.mul(nd, tf.reshape(tf.div(tf.maximum(nn, minRadius), tf.maximum(nn, 1e-30)), p.bcast));
    return [nd, rr, dnorm];
  });
}
