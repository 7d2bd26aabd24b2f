import * as tf from '@tensorflow/tfjs-core';
import type { AttackContext } from '../attack';
import { fail } from '../errors';
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
    super('DatasetAttack', args.distance);
  }

  /** Adds inputs `[M, …]` (same item shape as the images attacked later) to the candidate pool; the attack keeps a copy. */
  feed(inputs: tf.Tensor): void {
    if (!(inputs instanceof tf.Tensor) || inputs.rank < 2 || inputs.dtype !== 'float32')
      fail(
        this.name,
        'inputs',
        'be a float32 tensor [M, …]',
        inputs instanceof tf.Tensor ? `a ${inputs.dtype} tensor of rank ${inputs.rank}` : typeof inputs,
        'Pass a batch of inputs.',
      );
    this.pool.push(tf.clone(inputs));
  }

  /** Frees the fed inputs. */
  dispose(): void {
    tf.dispose(this.pool);
    this.pool = [];
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    if (this.pool.length === 0)
      fail(
        this.name,
        'feed',
        'be called before run',
        'no data',
        'Call `attack.feed(inputs)` with candidate inputs first.',
      );
    const itemShape = x.shape.slice(1).join();
    const bad = this.pool.find((t) => t.shape.slice(1).join() !== itemShape);
    if (bad)
      fail(
        this.name,
        'inputs',
        `have items of shape [${x.shape.slice(1).join(', ')}] like the images`,
        `[${bad.shape.slice(1).join(', ')}]`,
        'Feed inputs of the attacked images’ shape.',
      );
    const n = x.shape[0] as number;
    const inputs = this.pool.length === 1 ? tf.clone(this.pool[0] as tf.Tensor) : tf.concat(this.pool);
    const m = inputs.shape[0] as number;
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
