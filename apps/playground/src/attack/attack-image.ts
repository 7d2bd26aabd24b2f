/**
 * Runs an L2 minimum-norm attack of @lipnet/attacks on one image, in the page:
 * Carlini-Wagner (foolbox `L2CarliniWagnerAttack`), FMN (`L2FMNAttack`) or DDN
 * (`DDNAttack`), against the model's own decision (label = predicted class, so
 * the distance found is comparable with the certificate of that decision).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DDNAttack, L2CarliniWagnerAttack, L2FMNAttack, type Attack } from '@lipnet/attacks';

/** The attacks the page offers. */
export const ATTACKS = {
  cw: { label: 'Carlini-Wagner L2', foolbox: 'L2CarliniWagnerAttack' },
  fmn: { label: 'Fast Minimum-Norm (FMN) L2', foolbox: 'L2FMNAttack' },
  ddn: { label: 'Decoupled Direction and Norm (DDN)', foolbox: 'DDNAttack' },
} as const;
/** Key of {@link ATTACKS}. */
export type AttackName = keyof typeof ATTACKS;

/** What the user picked. */
export interface AttackSettings {
  attack: AttackName;
  /** Gradient steps in all (C&W: split over `binarySearchSteps` runs). */
  steps: number;
  /** C&W only: binary-search steps over the constant c (default 5). */
  binarySearchSteps?: number;
}

/** What the attack found. */
export interface AttackOutcome {
  /** True when the adversarial image is classified differently from the original. */
  success: boolean;
  /** The adversarial image (28·28 floats in [0, 1]); the original when unsuccessful. */
  adversarial: Float32Array;
  /** adversarial − original. */
  perturbation: Float32Array;
  /** ‖adversarial − original‖₂ (Infinity when unsuccessful). */
  distance: number;
  /** argmax of the model on the adversarial image. */
  newClass: number;
  newLogits: number[];
  /** Forward + backward passes the attack made, and how long it ran. */
  gradientSteps: number;
  seconds: number;
  stoppedEarly: boolean;
}

function makeAttack(s: AttackSettings): Attack {
  if (!Number.isInteger(s.steps) || s.steps < 1) {
    throw new RangeError(`attackImage: expected \`steps\` to be a positive integer, got ${String(s.steps)}.`);
  }
  switch (s.attack) {
    case 'cw': {
      const bs = s.binarySearchSteps ?? 5;
      return new L2CarliniWagnerAttack({ binarySearchSteps: bs, steps: Math.max(1, Math.round(s.steps / bs)) });
    }
    case 'fmn':
      return new L2FMNAttack({ steps: s.steps });
    case 'ddn':
      return new DDNAttack({ steps: s.steps });
    default:
      throw new RangeError(
        `attackImage: unknown attack '${String(s.attack)}'; use one of ${Object.keys(ATTACKS).join(', ')}.`,
      );
  }
}

/**
 * Attacks `image` (28·28 floats in [0, 1]) whose predicted class is `label`.
 * `onProgress` gets the fraction done; `signal` stops it (the best adversarial so far is returned).
 */
export async function attackImage(
  model: tfl.LayersModel,
  image: Float32Array,
  label: number,
  settings: AttackSettings,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void; seed?: number } = {},
): Promise<AttackOutcome> {
  const attack = makeAttack(settings);
  let gradientSteps = 0;
  const logits = (x: tf.Tensor) => {
    gradientSteps++;
    return model.apply(x, { training: false }) as tf.Tensor;
  };
  const x = tf.tensor4d(image, [1, 28, 28, 1]);
  const t0 = performance.now();
  const result = await attack.run(logits, x, [label], {
    bounds: [0, 1],
    signal: options.signal,
    seed: options.seed ?? 0,
    onProgress: (e) => options.onProgress?.(e.fraction),
  });
  const seconds = (performance.now() - t0) / 1000;
  const [adv, success, z] = tf.tidy(() => [
    tf.reshape(result.clipped, [-1]),
    result.success,
    model.predict(result.clipped) as tf.Tensor,
  ]);
  const adversarial = (await adv.data()) as Float32Array;
  const ok = (await success.data())[0] === 1;
  const newLogits = Array.from(await z.data());
  tf.dispose([x, adv, z, result.raw, result.clipped, result.success]);
  const perturbation = adversarial.map((v, i) => v - image[i]!);
  let sq = 0; // in float64, from the float32 images
  for (let i = 0; i < image.length; i++) sq += (adversarial[i]! - image[i]!) ** 2;
  const newClass = newLogits.indexOf(Math.max(...newLogits));
  return {
    success: ok && newClass !== label,
    adversarial,
    perturbation,
    distance: ok && newClass !== label ? Math.sqrt(sq) : Infinity,
    newClass,
    newLogits,
    gradientSteps,
    seconds,
    stoppedEarly: result.stoppedEarly,
  };
}
