import * as tf from '@tensorflow/tfjs-core';
import { Attack, type AttackContext } from '../attack';
import { LipnetInputError, defineOptions, formatShape, opt } from '@lipnet/core';
import { whereSample } from '../ops';
import { rotateAndShift } from './spatial-transform';

/** Options of {@link SpatialAttack}; defaults are foolbox 3.3.4's. */
export interface SpatialAttackArgs {
  /** Largest shift in pixels along each axis. Default 3. */
  maxTranslation?: number;
  /** Largest rotation in degrees. Default 30. */
  maxRotation?: number;
  /** Shifts per axis on the grid. Default 5. */
  numTranslations?: number;
  /** Rotations on the grid. Default 5. */
  numRotations?: number;
  /** Grid search (true) or `randomSteps` uniform draws. Default true. */
  gridSearch?: boolean;
  /** Random transforms tried when `gridSearch` is false. Default 100. */
  randomSteps?: number;
}

const SPATIAL_OPTIONS = defineOptions('SpatialAttack', {
  maxTranslation: opt.number({ min: 0 }).default(3),
  maxRotation: opt.number({ min: 0 }).default(30),
  numTranslations: opt.integer({ min: 1 }).default(5),
  numRotations: opt.integer({ min: 1 }).default(5),
  gridSearch: opt.boolean().default(true),
  randomSteps: opt.integer({ min: 1 }).default(100),
});

/** `linspace(−m, m, k)`. */
const linspace = (m: number, k: number) =>
  Array.from({ length: k }, (_, i) => (k === 1 ? -m : -m + (2 * m * i) / (k - 1)));

/**
 * Rotations and translations (foolbox `SpatialAttack`, Engstrom et al. 2019): tries rotation × shift ×
 * shift on a grid (or at random) on channels-last images `[N, H, W, C]` and keeps the first transform
 * that fools the model per sample. Takes no ε (`run` refuses `epsilons`); `raw` equals `clipped`.
 * Defaults `maxTranslation 3, maxRotation 30, numTranslations 5, numRotations 5, gridSearch true, randomSteps 100`.
 *
 * @example
 * const { clipped, success } = await new SpatialAttack().run(model, images, labels);
 */
export class SpatialAttack extends Attack {
  readonly name: string = 'SpatialAttack';
  readonly distance = 'l2' as const;
  readonly kind = 'minimization' as const;
  protected override readonly acceptsEpsilons = false;
  /** Reads only the model's argmax: integer logits are fine. */
  protected override readonly needsGradients: boolean = false;
  readonly maxTranslation: number;
  readonly maxRotation: number;
  readonly numTranslations: number;
  readonly numRotations: number;
  readonly gridSearch: boolean;
  readonly randomSteps: number;

  constructor(args: SpatialAttackArgs = {}) {
    super();
    const o = SPATIAL_OPTIONS.parse(args);
    this.maxTranslation = o.maxTranslation;
    this.maxRotation = o.maxRotation;
    this.numTranslations = o.numTranslations;
    this.numRotations = o.numRotations;
    this.gridSearch = o.gridSearch;
    this.randomSteps = o.randomSteps;
  }

  /** The (rotation, dx, dy) list tried, in foolbox's order. */
  private transforms(ctx: AttackContext): [number, number, number][] {
    if (!this.gridSearch) {
      const u = (m: number) => -m + 2 * m * ctx.rng.uniform();
      return Array.from({ length: this.randomSteps }, () => [
        u(this.maxRotation),
        u(this.maxTranslation),
        u(this.maxTranslation),
      ]);
    }
    const out: [number, number, number][] = [];
    for (const r of linspace(this.maxRotation, this.numRotations))
      for (const dx of linspace(this.maxTranslation, this.numTranslations))
        for (const dy of linspace(this.maxTranslation, this.numTranslations)) out.push([r, dx, dy]);
    return out;
  }

  protected async attackBatch(ctx: AttackContext, x: tf.Tensor): Promise<tf.Tensor> {
    if (x.rank !== 4)
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: this.name,
        option: 'images',
        expected: 'have shape [N, H, W, C] (channels-last)',
        got: `shape ${formatShape(x.shape)}`,
        fix: 'Reshape flat inputs to images.',
      });
    const a0 = tf.tidy(() => ctx.isAdversarial(ctx.logits(x)));
    const found = Array.from(await a0.data(), Boolean);
    a0.dispose();
    let result = tf.clone(x);
    const list = this.transforms(ctx);
    for (let k = 0; k < list.length && !found.every(Boolean); k++) {
      const [rot, dx, dy] = list[k] as [number, number, number];
      const moved = rotateAndShift(x as tf.Tensor4D, dx, dy, rot);
      const a = tf.tidy(() => ctx.isAdversarial(ctx.logits(moved)));
      const adv = await a.data();
      const fresh = found.map((f, i) => !f && Boolean(adv[i]));
      const next = tf.tidy(() => whereSample(tf.tensor1d(fresh.map(Number)), moved, result));
      tf.dispose([a, moved, result]);
      result = next;
      fresh.forEach((f, i) => f && (found[i] = true));
      if (await ctx.tick(k + 1, list.length)) break;
    }
    return result;
  }
}
