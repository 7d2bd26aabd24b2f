export { LipschitzRegularizer } from './lipschitz-regularizer';
export { OrthDenseRegularizer } from './orth-dense-regularizer';
export type { OrthDenseRegularizerArgs } from './orth-dense-regularizer';
export { Lorth2D, LorthRegularizer } from './lorth';
export type { Lorth2DArgs, LorthRegularizerArgs } from './lorth';
