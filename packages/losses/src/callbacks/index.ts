export { LossParamScheduler, interp } from './loss-param-scheduler';
export type { LossParamSchedulerArgs } from './loss-param-scheduler';
export { LossParamLog } from './loss-param-log';
export type { LossParamLogArgs, LossParamRecord } from './loss-param-log';
