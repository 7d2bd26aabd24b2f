import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { LipnetInputError, LipnetOptionError, checkTensor, formatShape } from '@lipnet/core';
import { whereSample } from '../ops';
import { FlexibleDistanceAttack, type FlexibleDistanceArgs } from './flexible-distance';

/**
 * Inputs of a data set as adversarials (foolbox `DatasetAttack`): `feed` it inputs, then `run` tries,
 * for each sample in a seeded random order, the fed inputs (through the run's model) and keeps the first
 * one that satisfies the criterion. Unlike foolbox, which only draws from as many fed inputs as the batch
 * has samples, every fed input is a candidate.
 *
 * @example
 * const ds = new DatasetAttack({ distance: 'l2' });
 * ds.feed(trainImages);
 * const { clipped, success } = await ds.run(model, testImages, testLabels, { seed: 0 });
 */
export class DatasetAttack extends FlexibleDistanceAttack {
  readonly name: string = 'DatasetAttack';
  private pool: tf.Tensor[] = [];
  constructor(args: FlexibleDistanceArgs = {}) {
    super('DatasetAttack', FlexibleDistanceAttack.parseOptions('DatasetAttack', args, {}).distance);
  }

  /** Adds inputs `[M, …]` (same item shape as the images attacked later) to the candidate pool; the attack keeps a copy. */
  feed(inputs: tf.Tensor): void {
    checkTensor(this.name, 'inputs', inputs, { layout: '[M, …]' });
    if (inputs.rank < 2)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.name,
        option: 'inputs',
        expected: 'have shape [M, …] (a batch of inputs)',
        got: `shape ${formatShape(inputs.shape)}`,
        fix: 'Pass a batch of inputs.',
      });
    this.pool.push(tf.clone(inputs));
  }

  /** Frees the fed inputs. */
  dispose(): void {
    tf.dispose(this.pool);
    this.pool = [];
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    if (this.pool.length === 0)
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: this.name,
        option: 'feed',
        expected: 'be called before run',
        got: 'no data',
        fix: 'Call `attack.feed(inputs)` with candidate inputs first.',
      });
    const itemShape = x.shape.slice(1).join();
    const bad = this.pool.find((t) => t.shape.slice(1).join() !== itemShape);
    if (bad)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.name,
        option: 'inputs',
        expected: `have items of shape ${formatShape(x.shape.slice(1))} like the images`,
        got: formatShape(bad.shape.slice(1)),
        fix: 'Feed inputs of the attacked images’ shape.',
      });
    const n = x.shape[0];
    const inputs = this.pool.length === 1 ? tf.clone(this.pool[0] as tf.Tensor) : tf.concat(this.pool);
    const m = inputs.shape[0];
    const orders = Array.from({ length: n }, () => {
      const o = Array.from({ length: m }, (_, i) => i);
      for (let i = m - 1; i > 0; i--) {
        const j = Math.floor(ctx.rng.uniform() * (i + 1));
        [o[i], o[j]] = [o[j] as number, o[i] as number];
      }
      return o;
    });
    const a0 = tf.tidy(() => ctx.isAdversarial(ctx.logits(x)));
    const found = Array.from(await a0.data(), Boolean);
    a0.dispose();
    let result = tf.clone(x);
    try {
      for (let k = 0; k < m && !found.every(Boolean); k++) {
        const cand = tf.tidy(() =>
          tf.gather(
            inputs,
            tf.tensor1d(
              orders.map((o) => o[k] as number),
              'int32',
            ),
          ),
        );
        const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(cand)));
        const adv = await a.data();
        const fresh = found.map((f, i) => !f && Boolean(adv[i]));
        const next = tf.tidy(() => whereSample(tf.tensor1d(fresh.map(Number)), cand, result));
        tf.dispose([a, cand, result]);
        result = next;
        fresh.forEach((f, i) => f && (found[i] = true));
        if (await ctx.tick(k + 1, m)) break;
      }
      return result;
    } finally {
      inputs.dispose();
    }
  }
}
