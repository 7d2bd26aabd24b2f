export { lossFromConfig, REDUCTIONS } from './loss-function';
export { DEEL_LIP_VERSIONS, type DeelLipVersion } from '@lipnet/core';
export type { BaseLossArgs, LipschitzLoss, LossConfig, ParamSpec, Reduction } from './loss-function';
export type { LabelKind } from './validation';
export { KR, MulticlassKR, KR_EPSILON, krElementwise, kr, multiclassKR } from './kr';
export type { KRArgs } from './kr';
export { HingeMargin, hingeElementwise, hingeMargin } from './hinge-margin';
export type { HingeMarginArgs } from './hinge-margin';
export { HKR, hkr } from './hkr';
export type { HKRArgs } from './hkr';
export { MulticlassHinge, multiclassHingeElementwise, multiclassHinge } from './multiclass-hinge';
export type { MulticlassHingeArgs } from './multiclass-hinge';
export { MulticlassHKR, multiclassHKR } from './multiclass-hkr';
export type { MulticlassHKRArgs } from './multiclass-hkr';
export { MultiMargin, multiMargin } from './multi-margin';
export type { MultiMarginArgs } from './multi-margin';
export { CategoricalHinge, categoricalHinge } from './categorical-hinge';
export type { CategoricalHingeArgs } from './categorical-hinge';
export {
  TauCategoricalCrossentropy,
  TauSparseCategoricalCrossentropy,
  TauBinaryCrossentropy,
  tauCategoricalCrossentropy,
  tauSparseCategoricalCrossentropy,
  tauBinaryCrossentropy,
} from './tau-crossentropy';
export type { TauArgs } from './tau-crossentropy';
export { MulticlassSoftHKR, multiclassSoftHKR } from './multiclass-soft-hkr';
export type { MulticlassSoftHKRArgs, MulticlassSoftHKRLoss } from './multiclass-soft-hkr';
export { UnweightedBatchMean, unweightedBatchMean } from './unweighted-batch-mean';
export type { MetricFn, UnweightedBatchMeanArgs } from './unweighted-batch-mean';
export { NegKRLoss, negKRLoss } from './neg-kr';
export type { NegKRLossArgs } from './neg-kr';
export { LseHKRMulticlassLoss, lseHKRMulticlassLoss } from './lse-hkr-multiclass';
export type { LseHKRMulticlassLossArgs } from './lse-hkr-multiclass';
export * from './callbacks';
