import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetOptionError, defineOptions, formatValue, opt } from '@lipnet/core';
import { modelLossWithParam } from './model-loss';

/** Arguments of {@link LossParamScheduler}. */
export interface LossParamSchedulerArgs {
  /** Name of the loss parameter to drive, e.g. `'alpha'` (see `loss.paramNames`). */
  paramName: string;
  /** Parameter values at the steps `xp`. */
  fp: number[];
  /** Strictly increasing optimisation steps (batches) where the parameter equals `fp`. */
  xp: number[];
  /** Starting step, for resuming (deel-lip serialises it). Default 0. */
  step?: number;
}

/**
 * Linear interpolation `np.interp(x, xp, fp)`: `fp[0]` left of `xp[0]`, `fp[last]` right of
 * `xp[last]`, piecewise linear in between (`xp` strictly increasing).
 */
export function interp(x: number, xp: readonly number[], fp: readonly number[]): number {
  if (x <= xp[0]!) return fp[0]!;
  const last = xp.length - 1;
  if (x >= xp[last]!) return fp[last]!;
  let i = 0;
  while (xp[i + 1]! < x) i++;
  const w = (x - xp[i]!) / (xp[i + 1]! - xp[i]!);
  return fp[i]! + w * (fp[i + 1]! - fp[i]!);
}

const values = opt
  .arrayOf(opt.number(), { minLength: 1 })
  .describedAs('a non-empty array of finite numbers', 'Pass e.g. xp: [0, 1000], fp: [0.1, 10].');

/** The options of {@link LossParamScheduler}, declared once. */
const LOSS_PARAM_SCHEDULER_OPTIONS = defineOptions('LossParamScheduler', {
  paramName: opt.string().describedAs("a parameter name such as 'alpha'", "Pass e.g. paramName: 'alpha'.").required(),
  fp: values.required(),
  xp: values.required(),
  step: opt.integer({ min: 0 }).describedAs('an integer ≥ 0', 'Pass 0 to start.').default(0),
});

/** Parses the options and checks that `xp` and `fp` pair up, `xp` strictly increasing. */
function checkArgs(a: LossParamSchedulerArgs) {
  const o = LOSS_PARAM_SCHEDULER_OPTIONS.parse(a);
  const who = 'LossParamScheduler';
  if (o.xp.length !== o.fp.length)
    throw new LipnetOptionError({
      code: 'CONFLICTING_OPTIONS',
      who,
      option: 'fp',
      message: `expected \`xp\` and \`fp\` of the same length, got ${o.xp.length} and ${o.fp.length}. Pass one value per step.`,
    });
  if (o.xp.some((x, i) => i > 0 && x <= o.xp[i - 1]!))
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who,
      option: 'xp',
      expected: 'be strictly increasing',
      got: formatValue(o.xp),
      fix: 'Sort the steps (and drop duplicates).',
    });
  return o;
}

/**
 * `fit` callback that sets a loss parameter at the start of every training batch to
 * `interp(step, xp, fp)` (numpy's `interp`), then advances `step`. The model must be compiled
 * with a @lipnet loss that has this parameter (`loss.paramNames`: `alpha`, `minMargin`, `tau`,
 * …). deel-lip: `deel.lip.callbacks.LossParamScheduler(param_name, fp, xp, step=0)`.
 *
 * @example
 * model.compile({optimizer: 'adam', loss: HKR({alpha: 1})});
 * await model.fit(x, y, {callbacks: [new LossParamScheduler({paramName: 'alpha', xp: [0, 1000], fp: [1, 50]})]});
 */
export class LossParamScheduler extends tfl.Callback {
  readonly paramName: string;
  readonly xp: readonly number[];
  readonly fp: readonly number[];
  /** Number of batches scheduled so far (the next batch uses `interp(step, xp, fp)`). */
  step: number;

  constructor(args: LossParamSchedulerArgs) {
    super();
    const o = checkArgs(args);
    this.paramName = o.paramName;
    this.xp = o.xp;
    this.fp = o.fp;
    this.step = o.step;
  }

  override onBatchBegin(): Promise<void> {
    const loss = modelLossWithParam('LossParamScheduler', this.model, this.paramName);
    loss.setParam(this.paramName, interp(this.step, this.xp, this.fp));
    this.step += 1;
    return Promise.resolve();
  }

  /** The configuration, deel-lip's `get_config` camelCased: `{xp, fp, step, paramName}`. */
  getConfig(): { xp: number[]; fp: number[]; step: number; paramName: string } {
    return { xp: [...this.xp], fp: [...this.fp], step: this.step, paramName: this.paramName };
  }
}
