/**
 * The notebook's attack: foolbox's `L2CarliniWagnerAttack(binary_search_steps,
 * steps)` (`@lipnet/attacks`) on the selected images, the L2 distance of each
 * adversarial found, and the check that every certificate is below it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { L2CarliniWagnerAttack, distances as attackDistances } from '@lipnet/attacks';
import { checkCertificates } from '@lipnet/certificates';
import { Progbar, type Sink } from '../training/progress';
import { attackInWorkers, type SplitAttackResult } from './split-attack';

/** The certificate check, as results.json holds it. */
export interface CheckReport {
  respected: number;
  total: number;
  unattacked: number;
  tightestRatio: number;
  violations: { index: number; certificate: number; distance: number }[];
  text: string;
}

/** What the attack found, per selected image (class order). */
export interface AttackOutcome {
  /** L2 distance of the adversarial found; `Infinity` where none was found. */
  distances: number[];
  success: boolean[];
  /** Class index the model gives each adversarial. */
  adversarialLabels: number[];
  /** Adversarial images, flat H·W·C in [0, 1]. */
  adversarials: Float32Array[];
  /** The check of the certificates passed (the proven ones in demo4). */
  check: CheckReport;
  /** The same check of `nominalCertificates`, when given. */
  nominalCheck?: CheckReport;
  attack: { name: string; binarySearchSteps: number; steps: number; stoppedEarly: boolean };
}

/** Options of {@link attackImages}. */
export interface AttackOptions {
  binarySearchSteps: number;
  steps: number;
  /** Nominal certificates to check against the same distances (reported, never an error). */
  nominalCertificates?: number[];
  sink?: Sink;
  live?: boolean;
  /** Polled by the attack; set to stop early. */
  signal?: { readonly aborted: boolean };
  /**
   * Worker threads to split the images over (≥ 2; see `attackInWorkers`), each on backend
   * `backend`; omitted: the attack runs in this thread.
   */
  split?: { workers: number; backend: string };
}

/** `checkCertificates` as results.json holds it. */
export function checkReport(certificates: number[], distances: number[]): CheckReport {
  const check = checkCertificates(certificates, distances);
  return {
    respected: check.respected,
    total: check.total,
    unattacked: check.unattacked,
    tightestRatio: check.tightestRatio,
    violations: check.violations,
    text: check.toString(),
  };
}

/** Rows of a [k, …] tensor as flat arrays (images for the figures). */
export async function tensorRows(t: tf.Tensor): Promise<Float32Array[]> {
  const flat = (await t.data()) as Float32Array;
  const k = t.shape[0];
  const per = flat.length / k;
  return Array.from({ length: k }, (_, i) => flat.slice(i * per, (i + 1) * per));
}

/** Runs C&W on `images` (labels `labels`) with a progress bar, then checks `certificates` against the distances. */
export async function attackImages(
  model: tfl.LayersModel,
  images: tf.Tensor,
  labels: number[],
  certificates: number[],
  o: AttackOptions,
): Promise<AttackOutcome> {
  const attack = new L2CarliniWagnerAttack({ binarySearchSteps: o.binarySearchSteps, steps: o.steps });
  const total = o.binarySearchSteps * o.steps;
  const bar = new Progbar(total, { sink: o.sink ?? process.stdout, live: o.live, unit: 'step' });
  let lastShown = -1;
  const show = (done: number) => {
    if (done !== lastShown) bar.update(done);
    lastShown = done;
  };
  const result = o.split
    ? await attackInWorkers(model, images, labels, { ...o, ...o.split, onProgress: show })
    : await runInThisThread(attack, model, images, labels, o, (fraction) =>
        show(Math.min(total, Math.round(fraction * total))),
      );
  const distT = attackDistances.l2(images, result.clipped);
  const advPredT = tf.tidy(() => tf.argMax(model.predict(result.clipped) as tf.Tensor, -1));
  try {
    const dist = Array.from(await distT.data());
    const success = Array.from(await result.success.data(), (v) => v !== 0);
    const adversarialLabels = Array.from(await advPredT.data());
    const adversarials = await tensorRows(result.clipped);
    // a sample with no adversarial example has no distance to compare with
    const distances = dist.map((d, i) => (success[i] ? d : Infinity));
    bar.finish();
    return {
      distances,
      success,
      adversarialLabels,
      adversarials,
      check: checkReport(certificates, distances),
      ...(o.nominalCertificates ? { nominalCheck: checkReport(o.nominalCertificates, distances) } : {}),
      attack: {
        name: attack.name,
        binarySearchSteps: o.binarySearchSteps,
        steps: o.steps,
        stoppedEarly: result.stoppedEarly,
      },
    };
  } finally {
    tf.dispose([distT, advPredT, result.clipped, result.success]);
  }
}

/** `attack.run` on `images` in this thread, progress as a fraction of the attack. */
async function runInThisThread(
  attack: L2CarliniWagnerAttack,
  model: tfl.LayersModel,
  images: tf.Tensor,
  labels: number[],
  o: AttackOptions,
  onFraction: (fraction: number) => void,
): Promise<SplitAttackResult> {
  const r = await attack.run(model, images, labels, {
    bounds: [0, 1],
    signal: o.signal,
    onProgress: (e) => onFraction(e.fraction),
  });
  r.raw.dispose();
  return { clipped: r.clipped, success: r.success, stoppedEarly: r.stoppedEarly };
}
