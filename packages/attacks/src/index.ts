export { Attack } from './attack';
export type { AttackContext } from './attack';
export type { AttackResult, Bounds, Criterion, Model, Preprocessing, ProgressEvent, RunOptions } from './types';

export { Rng } from './rng';
export { distances } from './distances';
export { L2CarliniWagnerAttack } from './carlini-wagner';
export type { L2CarliniWagnerAttackArgs } from './carlini-wagner';
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
