export { Attack } from './attack';
export type { AttackContext } from './attack';
export type { AttackResult, Bounds, Criterion, Model, Preprocessing, ProgressEvent, RunOptions } from './types';

export { Rng } from './rng';
export { distances } from './distances';
export { L2CarliniWagnerAttack } from './carlini-wagner';
export type { L2CarliniWagnerAttackArgs } from './carlini-wagner';
export type { CwAbortCheck, CwBatchLoss, CwRunOptions } from './cw-batch-loss';
export { sharedBatchLoss, sharedBatchLossBytes } from './cw-shared-loss';
export { L2DeepFoolAttack, LinfDeepFoolAttack } from './deepfool';
export type { DeepFoolAttackArgs } from './deepfool';
export { LinfPGD, L2PGD, LinfFastGradientAttack, L2FastGradientAttack, FGSM, FGM, PGD } from './gradient-descent';
export type { GradientDescentArgs } from './gradient-descent';
export { L2FMNAttack } from './fmn';
export type { L2FMNAttackArgs } from './fmn';
export { DDNAttack } from './ddn';
export type { DDNAttackArgs } from './ddn';
export { HopSkipJump, HopSkipJumpAttack } from './hop-skip-jump';
export type { HopSkipJumpArgs } from './hop-skip-jump';
export type { Norm } from './ops';
export { L1FastGradientAttack } from './fixed-epsilon/fast-gradient';
export type { LpGradientArgs } from './fixed-epsilon/lp-gradient-descent';
export type { AdamGradientArgs } from './fixed-epsilon/adam-descent';
export type { AdamArgs } from './fixed-epsilon/optimizers';
export {
  L1ProjectedGradientDescentAttack,
  L2ProjectedGradientDescentAttack,
  LinfProjectedGradientDescentAttack,
  L1AdamProjectedGradientDescentAttack,
  L2AdamProjectedGradientDescentAttack,
  LinfAdamProjectedGradientDescentAttack,
  L1PGD,
  L1AdamPGD,
  L2AdamPGD,
  LinfAdamPGD,
  AdamPGD,
} from './fixed-epsilon/projected-gradient-descent';
export {
  L1BasicIterativeAttack,
  L2BasicIterativeAttack,
  LinfBasicIterativeAttack,
  L1AdamBasicIterativeAttack,
  L2AdamBasicIterativeAttack,
  LinfAdamBasicIterativeAttack,
} from './fixed-epsilon/basic-iterative';
export {
  L1MomentumIterativeFastGradientMethod,
  L2MomentumIterativeFastGradientMethod,
  LinfMomentumIterativeFastGradientMethod,
  MIFGSM,
} from './fixed-epsilon/momentum-iterative';
export type { MomentumIterativeArgs } from './fixed-epsilon/momentum-iterative';
export { SparseL1DescentAttack } from './fixed-epsilon/sparse-l1-descent';
export type { SparseL1DescentArgs } from './fixed-epsilon/sparse-l1-descent';
export { VirtualAdversarialAttack } from './fixed-epsilon/virtual-adversarial';
export type { VirtualAdversarialArgs } from './fixed-epsilon/virtual-adversarial';
export { L0FMNAttack, L1FMNAttack, LInfFMNAttack, FMNAttackLp } from './minimum-norm/fmn-lp';
export type { FMNAttackArgs } from './minimum-norm/fmn-lp';
export { EADAttack } from './minimum-norm/ead';
export type { EADAttackArgs } from './minimum-norm/ead';
export { NewtonFoolAttack } from './minimum-norm/newtonfool';
export type { NewtonFoolAttackArgs } from './minimum-norm/newtonfool';
export {
  L0BrendelBethgeAttack,
  L1BrendelBethgeAttack,
  L2BrendelBethgeAttack,
  LinfinityBrendelBethgeAttack,
} from './minimum-norm/brendel-bethge/variants';
export { BrendelBethgeAttack } from './minimum-norm/brendel-bethge/attack';
export type { BrendelBethgeArgs } from './minimum-norm/brendel-bethge/attack';
export { LinearSearchBlendedUniformNoiseAttack } from './noise/blended-uniform';
export type { LinearSearchBlendedUniformNoiseArgs } from './noise/blended-uniform';
export type { FlexibleDistanceArgs } from './corruptions/flexible-distance';
export * from './noise/additive-variants';
export { AdditiveNoiseAttack } from './noise/additive';
export type { RepeatedNoiseArgs } from './noise/additive';
export { clippingAwareScale } from './noise/clipping-aware';
export { SaltAndPepperNoiseAttack } from './noise/salt-and-pepper';
export type { SaltAndPepperNoiseArgs } from './noise/salt-and-pepper';
export {
  L2ContrastReductionAttack,
  BinarySearchContrastReductionAttack,
  LinearSearchContrastReductionAttack,
} from './corruptions/contrast';
export type { ContrastArgs, BinarySearchContrastArgs, LinearSearchContrastArgs } from './corruptions/contrast';
export { GaussianBlurAttack, gaussianBlur } from './corruptions/gaussian-blur';
export type { GaussianBlurArgs } from './corruptions/gaussian-blur';
export { InversionAttack } from './corruptions/inversion';
export { BinarizationRefinementAttack } from './corruptions/binarization';
export type { BinarizationRefinementArgs } from './corruptions/binarization';
export { SpatialAttack } from './corruptions/spatial';
export type { SpatialAttackArgs } from './corruptions/spatial';
export { rotateAndShift } from './corruptions/spatial-transform';
export { DatasetAttack } from './corruptions/dataset';
export { FlexibleDistanceAttack } from './corruptions/flexible-distance';
export { BoundaryAttack } from './decision-based/boundary';
export type { BoundaryAttackArgs } from './decision-based/boundary';
export { PointwiseAttack } from './decision-based/pointwise';
export type { PointwiseAttackArgs } from './decision-based/pointwise';
export { GenAttack } from './fixed-epsilon/gen-attack';
export type { GenAttackArgs } from './fixed-epsilon/gen-attack';
export { robustAccuracy } from './evaluation/robust-accuracy';
export type { RobustAccuracyOptions, RobustAccuracyResult, RobustAccuracyState } from './evaluation/robust-accuracy';
export { robustAccuracyChart } from './evaluation/robust-accuracy-chart';
export type { RobustAccuracyChartOptions } from './evaluation/robust-accuracy-chart';
