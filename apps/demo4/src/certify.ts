/**
 * The notebook's last part: pick one correctly classified test image per class,
 * compute certificates `(top1 − top2)/2` (each head 1-Lipschitz: the last layer
 * is a disjoint FrobeniusDense), attack each with foolbox's
 * `L2CarliniWagnerAttack(binary_search_steps=6, steps=8000)` and check that
 * every certificate is below the L2 distance of the adversarial example found.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { L2CarliniWagnerAttack, distances as attackDistances } from '@lipnet/attacks';
import { certificates as certify, checkCertificates, type CertificateCheck } from '@lipnet/certificates';
import { CLASS_NAMES } from './fashion-mnist';
import { Progbar, type Sink } from './progress';

/** The notebook's selection: from `x[:pool]` keep the correctly classified, then the first of each class. */
export interface Selection {
  /** Indices into the test set, one per class in class order. */
  indices: number[];
  labels: number[];
  /** How many of the first `pool` were correctly classified. */
  correct: number;
  pool: number;
  /** Classes with no correctly classified image in the pool. */
  missingClasses: number[];
}

/** Picks the first correctly classified image of each class among the first `pool` test images. */
export async function selectSamples(
  model: tfl.LayersModel,
  xTest: tf.Tensor,
  labels: Uint8Array,
  pool = 300,
  numClasses = 10,
): Promise<Selection> {
  const n = Math.min(pool, xTest.shape[0]);
  const predT = tf.tidy(() => tf.argMax(model.predict(tf.slice(xTest, 0, n)) as tf.Tensor, -1));
  const pred = await predT.data();
  predT.dispose();
  const indices: number[] = [];
  const sel: number[] = [];
  let correct = 0;
  const firstOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (pred[i] !== labels[i]) continue;
    correct++;
    if (!firstOf.has(labels[i]!)) firstOf.set(labels[i]!, i);
  }
  const missingClasses: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const i = firstOf.get(c);
    if (i === undefined) missingClasses.push(c);
    else {
      indices.push(i);
      sel.push(c);
    }
  }
  return { indices, labels: sel, correct, pool: n, missingClasses };
}

/** Everything the attack phase measured. */
export interface AttackReport {
  selection: Selection;
  /** Per selected image (class order). */
  certificates: number[];
  distances: number[];
  success: boolean[];
  originalClasses: string[];
  adversarialClasses: string[];
  top2: { values: [number, number]; classes: [number, number] }[];
  check: {
    respected: number;
    total: number;
    unattacked: number;
    tightestRatio: number;
    violations: { index: number; certificate: number; distance: number }[];
    text: string;
  };
  attack: { name: string; binarySearchSteps: number; steps: number; stoppedEarly: boolean };
  /** Images and adversarials as flat arrays (for the figure). */
  images: Float32Array[];
  adversarials: Float32Array[];
}

/** Options of {@link certifyAndAttack}. */
export interface CertifyOptions {
  binarySearchSteps: number;
  steps: number;
  sink?: Sink;
  live?: boolean;
  /** Polled by the attack; set to stop early. */
  signal?: { readonly aborted: boolean };
}

/** Runs selection, certificates, the C&W attack (with a progress bar) and the check. */
export async function certifyAndAttack(
  model: tfl.LayersModel,
  xTest: tf.Tensor,
  testLabels: Uint8Array,
  o: CertifyOptions,
): Promise<AttackReport> {
  const sink = o.sink ?? process.stdout;
  const selection = await selectSamples(model, xTest, testLabels);
  const idx = tf.tensor1d(selection.indices, 'int32');
  const images = tf.gather(xTest, idx);
  idx.dispose();
  const logits = model.predict(images) as tf.Tensor2D;
  const certT = certify(logits, { disjointHeads: true });
  const certs = Array.from(await certT.data());
  const { values: topV, indices: topI } = tf.topk(logits, 2);
  const tv = await topV.array();
  const ti = await topI.array();
  tf.dispose([certT, topV, topI, logits]);

  const attack = new L2CarliniWagnerAttack({ binarySearchSteps: o.binarySearchSteps, steps: o.steps });
  const total = o.binarySearchSteps * o.steps;
  const bar = new Progbar(total, { sink, live: o.live, unit: 'step' });
  let lastShown = -1;
  const result = await attack.run(model, images, selection.labels, {
    bounds: [0, 1],
    signal: o.signal,
    onProgress: (e) => {
      const done = Math.min(total, Math.round(e.fraction * total));
      if (done !== lastShown) bar.update(done);
      lastShown = done;
    },
  });
  const distT = attackDistances.l2(images, result.clipped);
  const dist = Array.from(await distT.data());
  const success = Array.from(await result.success.data(), (v) => v !== 0);
  const advPredT = tf.tidy(() => tf.argMax(model.predict(result.clipped) as tf.Tensor, -1));
  const advPred = Array.from(await advPredT.data());
  const rows = async (t: tf.Tensor) => {
    const flat = (await t.data()) as Float32Array;
    const per = flat.length / selection.indices.length;
    return selection.indices.map((_, i) => flat.slice(i * per, (i + 1) * per));
  };
  const imgs = await rows(images);
  const advs = await rows(result.clipped);
  tf.dispose([distT, advPredT, images, result.raw, result.clipped, result.success]);
  // a sample with no adversarial example has no distance to compare with
  const effective = dist.map((d, i) => (success[i] ? d : Infinity));
  const check: CertificateCheck = checkCertificates(certs, effective);
  bar.finish();
  return {
    selection,
    certificates: certs,
    distances: effective,
    success,
    originalClasses: selection.labels.map((c) => CLASS_NAMES[c]!),
    adversarialClasses: advPred.map((c) => CLASS_NAMES[c] ?? String(c)),
    top2: tv.map((v, i) => ({ values: [v[0]!, v[1]!], classes: [ti[i]![0]!, ti[i]![1]!] })),
    check: {
      respected: check.respected,
      total: check.total,
      unattacked: check.unattacked,
      tightestRatio: check.tightestRatio,
      violations: check.violations,
      text: check.toString(),
    },
    attack: {
      name: attack.name,
      binarySearchSteps: o.binarySearchSteps,
      steps: o.steps,
      stoppedEarly: result.stoppedEarly,
    },
    images: imgs,
    adversarials: advs,
  };
}
