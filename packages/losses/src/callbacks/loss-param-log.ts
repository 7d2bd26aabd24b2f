import * as tfl from '@tensorflow/tfjs-layers';
import { defineOptions, opt } from '@lipnet/core';
import { modelLossWithParam } from './model-loss';

/** One record of {@link LossParamLog}. */
export interface LossParamRecord {
  epoch: number;
  loss: string;
  param: string;
  value: number;
}

/** Arguments of {@link LossParamLog}. */
export interface LossParamLogArgs {
  /** Name of the loss parameter to report, e.g. `'alpha'`. */
  paramName: string;
  /** Report every `rate` epochs (epochs 0, rate, 2·rate, …). Default 1. */
  rate?: number;
  /** Receives each line (default `console.log`). */
  log?: (line: string) => void;
}

/** The options of {@link LossParamLog}, declared once. */
const LOSS_PARAM_LOG_OPTIONS = defineOptions('LossParamLog', {
  paramName: opt.string().describedAs("a parameter name such as 'alpha'", "Pass e.g. paramName: 'alpha'.").required(),
  rate: opt.integer({ min: 1 }).describedAs('an integer ≥ 1', 'Pass e.g. 1.').default(1),
  log: opt.func<(line: string) => void>(),
});

/**
 * `fit` callback reporting a loss parameter at the end of every `rate`-th epoch (as a line
 * `"<loss name> <param> <value>"`, and in `records`), e.g. to watch a {@link LossParamScheduler}.
 * deel-lip: `deel.lip.callbacks.LossParamLog(param_name, rate=1)` (which `tf.print`s it).
 */
export class LossParamLog extends tfl.Callback {
  readonly paramName: string;
  readonly rate: number;
  readonly records: LossParamRecord[] = [];
  private readonly log: (line: string) => void;

  constructor(args: LossParamLogArgs) {
    super();
    const o = LOSS_PARAM_LOG_OPTIONS.parse(args);
    this.paramName = o.paramName;
    this.rate = o.rate;
    this.log = o.log ?? ((line) => console.log(line));
  }

  override onEpochEnd(epoch: number): Promise<void> {
    if (epoch % this.rate !== 0) return Promise.resolve();
    const loss = modelLossWithParam('LossParamLog', this.model, this.paramName);
    const r = { epoch, loss: loss.name, param: this.paramName, value: loss.getParam(this.paramName) };
    this.records.push(r);
    this.log(`${r.loss} ${r.param} ${r.value}`);
    return Promise.resolve();
  }

  /** The configuration, deel-lip's `get_config` camelCased: `{paramName, rate}`. */
  getConfig(): { paramName: string; rate: number } {
    return { paramName: this.paramName, rate: this.rate };
  }
}
