import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from './flexible-distance';

/**
 * Inversion (foolbox `InversionAttack`, Hosseini et al. 2017): the negative image `x' = min + max − x`.
 *
 * @example
 * const { success } = await new InversionAttack().run(model, x, y);
 */
export class InversionAttack extends FlexibleDistanceAttack {
  readonly name: string = 'InversionAttack';
  constructor(args: FlexibleDistanceArgs = {}) {
    super('InversionAttack', FlexibleDistanceAttack.parseOptions('InversionAttack', args, {}).distance);
  }
  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    const [lo, hi] = ctx.bounds;
    await ctx.tick(1, 1);
    return tf.tidy(() => tf.sub(lo + hi, x));
  }
}
