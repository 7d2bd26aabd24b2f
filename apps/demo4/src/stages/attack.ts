/**
 * Stage `attack`: Carlini-Wagner L2 on each certified image, the distance of
 * the adversarial found, and the check that every certificate is below it.
 * The images and adversarials go to `attack.json` (exact float32, base64), so
 * figures can be redrawn from the files alone.
 */
import * as fs from 'fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES } from '../data/fashion-mnist';
import type { BackendChoice } from '../backend';
import { InterruptedError, WorkerFailureError } from '../errors';
import { writeFileAtomic } from '../pipeline/atomic-write';
import { formatNumbers } from '../pipeline/format';
import { signalExitCode } from '../pipeline/interrupt';
import { OUTPUT_FILES, outputPath } from '../pipeline/output-files';
import type { Stage } from '../pipeline/stage';
import { attackImages, tensorRows, type AttackOutcome } from '../robustness/attack';
import { gatherSelection } from '../robustness/selection';
import { planAttackWorkers } from '../training/workers';
import type { CertifyOutput } from './certify';
import type { DataOutput } from './data';

/** Inputs of the attack stage. */
export interface AttackInput {
  /** The exported (vanilla) model. */
  model: tfl.LayersModel;
  data: DataOutput;
  certified: CertifyOutput;
  attackSteps: number;
  binarySearchSteps: number;
  backend: Pick<BackendChoice, 'name' | 'tfBackend'>;
  /** `--workers` and `--batch-size`: on wasm the attack runs on as many threads as training (≤ one per image). */
  workers?: number;
  batchSize: number;
}

/** What the attack found, with the images for the figures. */
export interface AttackOutput extends Omit<AttackOutcome, 'adversarials'> {
  adversarialClasses: string[];
  /** Selected images and their adversarials, flat 28·28 in [0, 1], class order. */
  images: Float32Array[];
  adversarials: Float32Array[];
}

/** The content of attack.json. */
export interface AttackImagesFile {
  format: 'demo4-attack-images';
  version: 1;
  /** Shape of one image. */
  shape: number[];
  /** Little-endian float32 bytes, base64, one entry per selected image (class order). */
  images: string[];
  adversarials: string[];
}

const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromBase64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Reads attack.json back into images and adversarials. */
export function readAttackImages(file: string): { images: Float32Array[]; adversarials: Float32Array[] } {
  const f = JSON.parse(fs.readFileSync(file, 'utf8')) as AttackImagesFile;
  return { images: f.images.map(fromBase64), adversarials: f.adversarials.map(fromBase64) };
}

/** attack → {@link AttackOutput}. Reused on resume when attack.json is unchanged and the attack flags are the same. */
export const attackStage: Stage<AttackInput, AttackOutput> = {
  name: 'attack',
  writes: true,
  key: (i) => ({ attackSteps: i.attackSteps, binarySearchSteps: i.binarySearchSteps }),
  async run(i, ctx) {
    ctx.log(
      `Attack: L2CarliniWagnerAttack(binarySearchSteps=${i.binarySearchSteps}, steps=${i.attackSteps}) on one correctly classified image per class from the first ${i.certified.selection.pool} test images.`,
    );
    const x = gatherSelection(i.data.dataset.xTest, i.certified.selection);
    const split = planAttackWorkers(i, i.backend, x.shape[0]) ?? undefined;
    if (split)
      ctx.log(
        `Attacking on ${split.workers} worker threads (${split.backend}), one shard of the images each, abort-early on the whole batch's loss.`,
      );
    let outcome: AttackOutcome;
    let images: Float32Array[];
    try {
      outcome = await attackImages(i.model, x, i.certified.selection.labels, i.certified.certificates, {
        binarySearchSteps: i.binarySearchSteps,
        steps: i.attackSteps,
        nominalCertificates: i.certified.nominalCertificates,
        signal: ctx.interrupt,
        split,
      });
      images = await tensorRows(x);
    } catch (err) {
      if (err instanceof WorkerFailureError)
        throw new WorkerFailureError(
          `${err.message}\nRedo the attack in one thread with:  pnpm demo4 --resume --out ${ctx.out} --workers 1`,
        );
      throw err;
    } finally {
      x.dispose();
    }
    if (ctx.interrupt.aborted)
      throw new InterruptedError(
        `demo4: interrupted during the attack (training is saved in ${outputPath(ctx.out, 'checkpoint')}).\nRedo the attack with:  pnpm demo4 --resume --out ${ctx.out}`,
        signalExitCode(ctx.interrupt.signal),
      );
    const { adversarials, ...rest } = outcome;
    const summary = { ...rest, adversarialClasses: outcome.adversarialLabels.map((c) => CLASS_NAMES[c] ?? String(c)) };
    logAttack(summary, ctx.log);
    const file: AttackImagesFile = {
      format: 'demo4-attack-images',
      version: 1,
      shape: x.shape.slice(1),
      images: images.map(toBase64),
      adversarials: adversarials.map(toBase64),
    };
    writeFileAtomic(outputPath(ctx.out, 'attack'), JSON.stringify(file));
    return { output: { ...summary, images, adversarials }, files: [OUTPUT_FILES.attack], summary };
  },
  load(_i, record, ctx) {
    const summary = record.summary as Omit<AttackOutput, 'images' | 'adversarials'>;
    logAttack(summary, ctx.log);
    return Promise.resolve({ ...summary, ...readAttackImages(outputPath(ctx.out, 'attack')) });
  },
};

function logAttack(a: Omit<AttackOutput, 'images' | 'adversarials'>, log: (s: string) => void): void {
  log(`dist_to_adv  = ${formatNumbers(a.distances)}`);
  if (a.success.some((s) => !s))
    log(
      `Note: the attack found no adversarial for sample(s) ${a.success.flatMap((s, i) => (s ? [] : [i])).join(', ')} (distance Infinity).`,
    );
  log(`Proven certificates against the attack:\n${a.check.text}`);
  if (a.nominalCheck) log(`Nominal certificates (t1−t2)/2 against the attack:\n${a.nominalCheck.text}`);
}
