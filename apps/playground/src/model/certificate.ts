/**
 * The certificate of one image, from the PROVEN Lipschitz bound of the loaded
 * model (`lipschitzUpperBound` of @lipnet/certificates), not the nominal 1,
 * with every number of its formula, so the page can show how it was computed.
 *
 * With c = argmax f(x), a body h (everything before the last linear layer) with
 * certified Lipschitz bound B, and the last layer f_i = w_iᵀ h: for every j ≠ c,
 * |Δ(f_c − f_j)| = |(w_c − w_j)ᵀ Δh| ≤ ‖w_c − w_j‖₂ · B · ‖δ‖₂, so the decision
 * cannot change while ‖δ‖₂ < r with
 *
 *     r = min_{j≠c} (f_c(x) − f_j(x)) / (‖w_c − w_j‖₂ · B).
 *
 * (`certificatesFromBound(logits, bound)` with its default 'pairwise' rule.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { certificatesFromBound } from '@lipnet/certificates';
import type { ProvenBound } from './bound-protocol';

/** Everything the certificate panel shows for one image. */
export interface CertificateExplained {
  /** The model's logits f(x). */
  logits: number[];
  /** c = argmax f(x). */
  predicted: number;
  /** Class with the second largest logit. */
  runnerUp: number;
  /** The certified L2 radius r (from @lipnet/certificates, float32). */
  radius: number;
  /** The j that attains the minimum in r. */
  binding: number;
  /** f_c − f_binding. */
  margin: number;
  /** ‖w_c − w_binding‖₂ (null when the model has no linear last layer: global rule). */
  headDistance: number | null;
  /** B: the certified bound of the body (or of the whole network for the global rule). */
  bodyBound: number;
  /** The constant the margin is divided by: ‖w_c − w_j‖·B, or √2·L for the global rule. */
  divisor: number;
  /** Certified bound L of the whole network. */
  upperBound: number;
  /** The notebook's radius with the nominal constant 1 per head: (top1 − top2)/2. */
  nominal: number;
  /** The global rule with the proven L: (top1 − top2)/(√2·L). */
  global: number;
  /** Which rule gave `radius`. */
  rule: 'pairwise' | 'global';
}

/** Radii of a batch of logits `[n, C]` under the proven bound (caller disposes). */
export function radiiFromBound(logits: tf.Tensor2D, bound: ProvenBound): tf.Tensor1D {
  return certificatesFromBound(logits, bound);
}

/** Explains the certificate of one image from its logits (length C) and the model's bound. */
export function explainCertificate(logits: ArrayLike<number>, bound: ProvenBound): CertificateExplained {
  const f = Array.from(logits);
  const order = f.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const c = order[0]![1];
  const runnerUp = order[1]![1];
  const top2 = order[0]![0] - order[1]![0];
  const radiusT = tf.tidy(() => certificatesFromBound(tf.tensor2d([f]), bound));
  const radius = radiusT.dataSync()[0]!;
  radiusT.dispose();
  const base = {
    logits: f,
    predicted: c,
    runnerUp,
    radius,
    upperBound: bound.upperBound,
    nominal: top2 / 2,
    global: top2 / (Math.SQRT2 * bound.upperBound),
  };
  const heads = bound.heads;
  if (!heads) {
    const divisor = Math.SQRT2 * bound.upperBound;
    return {
      ...base,
      binding: runnerUp,
      margin: top2,
      headDistance: null,
      bodyBound: bound.upperBound,
      divisor,
      rule: 'global',
    };
  }
  let binding = -1;
  let best = Infinity;
  for (let j = 0; j < f.length; j++) {
    if (j === c) continue;
    const r = (f[c]! - f[j]!) / heads.pairwise[c]![j]!;
    if (r < best) [best, binding] = [r, j];
  }
  const divisor = heads.pairwise[c]![binding]!;
  return {
    ...base,
    binding,
    margin: f[c]! - f[binding]!,
    headDistance: divisor / heads.bodyBound,
    bodyBound: heads.bodyBound,
    divisor,
    rule: 'pairwise',
  };
}
