import * as tfl from '@tensorflow/tfjs-layers';
import { LossArgumentError } from '../errors';
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

function checkArgs(a: LossParamSchedulerArgs): void {
  const bad = (msg: string) => new LossArgumentError(`LossParamScheduler: ${msg}`);
  if (typeof a?.paramName !== 'string' || a.paramName.length === 0)
    throw bad(`expected \`paramName\` to be a parameter name such as 'alpha', got ${JSON.stringify(a?.paramName)}.`);
  const finite = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isFinite(x));
  if (!finite(a.xp) || !finite(a.fp) || a.xp.length !== a.fp.length)
    throw bad(
      'expected `xp` and `fp` to be non-empty arrays of finite numbers of the same length. Pass e.g. xp: [0, 1000], fp: [0.1, 10].',
    );
  if (a.xp.some((x, i) => i > 0 && x <= a.xp[i - 1]!))
    throw bad(`expected \`xp\` to be strictly increasing, got [${a.xp.join(', ')}]. Sort the steps.`);
  const s = a.step ?? 0;
  if (!Number.isInteger(s) || s < 0)
    throw bad(`expected \`step\` to be an integer ≥ 0, got ${String(s)}. Pass 0 to start.`);
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
    checkArgs(args);
    this.paramName = args.paramName;
    this.xp = [...args.xp];
    this.fp = [...args.fp];
    this.step = args.step ?? 0;
  }

  override async onBatchBegin(): Promise<void> {
    const loss = modelLossWithParam('LossParamScheduler', this.model, this.paramName);
    loss.setParam(this.paramName, interp(this.step, this.xp, this.fp));
    this.step += 1;
  }

  /** The configuration, deel-lip's `get_config` camelCased: `{xp, fp, step, paramName}`. */
  getConfig(): { xp: number[]; fp: number[]; step: number; paramName: string } {
    return { xp: [...this.xp], fp: [...this.fp], step: this.step, paramName: this.paramName };
  }
}
