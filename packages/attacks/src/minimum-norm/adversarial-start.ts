import * as tf from '@tensorflow/tfjs-core';
import type { Attack, AttackContext } from '../attack';

/** An adversarial starting batch and which of its samples really are adversarial. */
export interface AdversarialStart {
  /** `[N, …]`, owned by the caller. */
  points: tf.Tensor;
  /** 1 where `points[i]` satisfies the criterion. */
  adversarial: Uint8Array;
}

/**
 * Where a boundary-walking attack starts (foolbox: `starting_points` if given, else `init_attack.run`,
 * else its default init attack). Returns null when there is nothing to start from.
 */
export async function adversarialStart(
  ctx: AttackContext,
  x: tf.Tensor,
  initAttack: Attack | null,
  fallback: (() => Attack) | null,
): Promise<AdversarialStart | null> {
  let points: tf.Tensor;
  if (ctx.startingPoints) points = tf.clone(ctx.startingPoints);
  else if (initAttack) points = await initAttack.runBatch(ctx, x);
  else if (fallback) points = await fallback().runBatch(ctx, x);
  else return null;
  const adv = tf.tidy(() => ctx.isAdversarial(ctx.logits(points)));
  const adversarial = (await adv.data()) as Uint8Array;
  adv.dispose();
  return { points, adversarial };
}
