/**
 * `demo4 verify`: attacks the first N test images with every minimum-norm L2
 * attack of @lipnet/attacks against a finished run's exported model, and
 * checks the proven certificates (and the nominal ones) against the distances
 * found. Each attack targets the predicted class (a certificate is a radius
 * around the prediction); Brendel-Bethge starts from the closest adversarial
 * the attacks before it found. Writes verify.json and verify.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { distances as attackDistances } from '@lipnet/attacks';
import { loadModel } from '@lipnet/io';
import { chooseBackend } from '../backend';
import { IMAGE_SIZE, loadFashionMnist } from '../data/fashion-mnist';
import { scaleImages } from '../data/dataset';
import { CertificateViolationError, CheckpointError } from '../errors';
import { writeFileAtomic } from '../pipeline/atomic-write';
import { stringifyWithNonFinite } from '../pipeline/json-numbers';
import { outputPath } from '../pipeline/output-files';
import { checkReport } from '../robustness/attack';
import { certifyImages } from '../robustness/certificates';
import { boundLike, proveBound } from '../robustness/proven-bound';
import { Progbar } from '../training/progress';
import { verifyAttacks, type VerifyAttack } from './verify-attacks';
import type { VerifyOptions } from './verify-cli';
import { verifyTable, verifyTableRow, type AttackRow, type VerifyReport } from './verify-report';

/** The run's exported model and the first N test images. */
async function inputs(o: VerifyOptions): Promise<{ model: tfl.LayersModel; x: tf.Tensor4D }> {
  const dir = outputPath(o.out, 'model');
  if (!fs.existsSync(path.join(dir, 'model.json')))
    throw new CheckpointError(
      `demo4 verify: no exported model in ${dir}. Pass the --out folder of a demo4 run that finished its export stage.`,
    );
  const model = await loadModel(dir);
  const raw = await loadFashionMnist({ dataDir: o.dataDir });
  const n = Math.min(o.images, raw.nTest);
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const x = tf.tensor4d(scaleImages(raw.testImages.subarray(0, n * px)), [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
  return { model, x };
}

/** One attack on every image: distances (Infinity where it failed), its adversarials, its time. */
async function runAttack(
  a: VerifyAttack,
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: number[],
  start: tf.Tensor | null,
  seed: number,
): Promise<{ distances: number[]; clipped: tf.Tensor; seconds: number }> {
  const bar = new Progbar(100, { unit: '%' });
  const t0 = performance.now();
  const r = await a.make().run(model, x, labels, {
    bounds: [0, 1],
    seed,
    startingPoints: a.needsStart ? start : null,
    onProgress: (e) => bar.update(Math.min(100, Math.round(100 * e.fraction))),
  });
  const seconds = (performance.now() - t0) / 1000;
  bar.finish();
  const d = attackDistances.l2(x, r.clipped);
  const dist = Array.from(await d.data());
  const ok = await r.success.data();
  tf.dispose([d, r.raw, r.success]);
  return { distances: dist.map((v, i) => (ok[i] ? v : Infinity)), clipped: r.clipped, seconds };
}

/** Keeps, per image, the closest adversarial found so far (`best` is replaced; the old one disposed). */
function keepClosest(best: { x: tf.Tensor; d: number[] }, found: tf.Tensor, d: number[]): void {
  const closer = d.map((v, i) => v < best.d[i]!);
  if (!closer.some(Boolean)) return;
  const mask = tf.tensor1d(closer.map(Number), 'bool');
  const next = tf.tidy(() => tf.where(tf.reshape(mask, [-1, 1, 1, 1]), found, best.x));
  tf.dispose([mask, best.x]);
  best.x = next;
  best.d = best.d.map((v, i) => Math.min(v, d[i]!));
}

function row(
  a: Pick<VerifyAttack, 'id' | 'className' | 'settings'>,
  d: number[],
  seconds: number,
  proven: number[],
  nominal: number[],
): AttackRow {
  const p = checkReport(proven, d);
  const q = checkReport(nominal, d);
  return {
    id: a.id,
    className: a.className,
    settings: a.settings,
    found: d.filter(Number.isFinite).length,
    violations: p.violations,
    tightestRatio: p.tightestRatio,
    nominalViolations: q.violations.length,
    nominalTightestRatio: q.tightestRatio,
    seconds,
  };
}

/** Runs the verification; returns the exit code (6 when a proven certificate is violated). */
export async function runVerify(
  o: VerifyOptions,
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): Promise<number> {
  const t0 = performance.now();
  const backend = await chooseBackend(o.backend, log);
  const { model, x } = await inputs(o);
  const attacks = verifyAttacks(o.scale, o.bbSteps).filter((a) => o.attacks.includes(a.id));
  try {
    const bound = proveBound(model);
    for (const s of bound.statement) log(s);
    const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1));
    const labels = Array.from(await pred.data());
    pred.dispose();
    const certs = await certifyImages(model, x, boundLike(bound));
    const best = { x: tf.clone(x), d: labels.map(() => Infinity) };
    const rows: AttackRow[] = [];
    try {
      for (const [k, a] of attacks.entries()) {
        log(`[${k + 1}/${attacks.length}] ${a.className} (${a.settings}) on ${labels.length} test images`);
        const r = await runAttack(a, model, x, labels, best.x, o.seed);
        keepClosest(best, r.clipped, r.distances);
        r.clipped.dispose();
        rows.push(row(a, r.distances, r.seconds, certs.certificates, certs.nominalCertificates));
        log(verifyTableRow(rows[rows.length - 1]!));
      }
    } finally {
      best.x.dispose();
    }
    const all = row(
      { id: 'all', className: 'closest over all attacks', settings: 'per image, the closest adversarial found' },
      best.d,
      rows.reduce((s, r) => s + r.seconds, 0),
      certs.certificates,
      certs.nominalCertificates,
    );
    const report: VerifyReport = {
      format: 'demo4-verify',
      version: 1,
      model: outputPath(o.out, 'model'),
      images: labels.length,
      backend: backend.name,
      loadAverage: os.loadavg(),
      bound: { upperBound: bound.upperBound, maxPerHead: bound.maxPerHead, maxPairwise: bound.maxPairwise },
      statement: bound.statement,
      attacks: rows,
      all,
      certificates: certs.certificates,
      nominalCertificates: certs.nominalCertificates,
      closestDistances: best.d,
      totalSeconds: (performance.now() - t0) / 1000,
      finishedAt: new Date().toISOString(),
    };
    writeFileAtomic(path.join(o.out, 'verify.json'), stringifyWithNonFinite(report));
    const table = verifyTable([...rows, all]);
    writeFileAtomic(path.join(o.out, 'verify.md'), `${table}\n`);
    log(table);
    log(`verify.json and verify.md written to ${o.out}.`);
    if (all.violations.length === 0) return 0;
    throw new CertificateViolationError(
      `demo4 verify: ${all.violations.length} proven certificate(s) above the distance of an adversarial example (see ${path.join(o.out, 'verify.json')}). The proven bound would be false: report this.`,
    );
  } finally {
    tf.dispose([x]);
    model.dispose();
  }
}
