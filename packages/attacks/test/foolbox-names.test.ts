// Every attack name and alias that foolbox 3.3.4 exports from `foolbox.attacks` (69, `Attack` aside) is
// exported here, constructible with its defaults (VirtualAdversarialAttack needs `steps`, as in foolbox),
// and the aliases are the same classes as in foolbox's __init__.py.
import * as A from '../src';

export const FOOLBOX_CLASSES = [
  'L2ContrastReductionAttack',
  'VirtualAdversarialAttack',
  'DDNAttack',
  'L1ProjectedGradientDescentAttack',
  'L2ProjectedGradientDescentAttack',
  'LinfProjectedGradientDescentAttack',
  'L1AdamProjectedGradientDescentAttack',
  'L2AdamProjectedGradientDescentAttack',
  'LinfAdamProjectedGradientDescentAttack',
  'L1BasicIterativeAttack',
  'L2BasicIterativeAttack',
  'LinfBasicIterativeAttack',
  'L1AdamBasicIterativeAttack',
  'L2AdamBasicIterativeAttack',
  'LinfAdamBasicIterativeAttack',
  'L1MomentumIterativeFastGradientMethod',
  'L2MomentumIterativeFastGradientMethod',
  'LinfMomentumIterativeFastGradientMethod',
  'L1FastGradientAttack',
  'L2FastGradientAttack',
  'LinfFastGradientAttack',
  'L2AdditiveGaussianNoiseAttack',
  'L2AdditiveUniformNoiseAttack',
  'L2ClippingAwareAdditiveGaussianNoiseAttack',
  'L2ClippingAwareAdditiveUniformNoiseAttack',
  'LinfAdditiveUniformNoiseAttack',
  'L2RepeatedAdditiveGaussianNoiseAttack',
  'L2RepeatedAdditiveUniformNoiseAttack',
  'L2ClippingAwareRepeatedAdditiveGaussianNoiseAttack',
  'L2ClippingAwareRepeatedAdditiveUniformNoiseAttack',
  'LinfRepeatedAdditiveUniformNoiseAttack',
  'SparseL1DescentAttack',
  'InversionAttack',
  'BinarySearchContrastReductionAttack',
  'LinearSearchContrastReductionAttack',
  'L2CarliniWagnerAttack',
  'NewtonFoolAttack',
  'EADAttack',
  'GaussianBlurAttack',
  'SpatialAttack',
  'L2DeepFoolAttack',
  'LinfDeepFoolAttack',
  'SaltAndPepperNoiseAttack',
  'LinearSearchBlendedUniformNoiseAttack',
  'BinarizationRefinementAttack',
  'DatasetAttack',
  'BoundaryAttack',
  'HopSkipJumpAttack',
  'L0BrendelBethgeAttack',
  'L1BrendelBethgeAttack',
  'L2BrendelBethgeAttack',
  'LinfinityBrendelBethgeAttack',
  'L0FMNAttack',
  'L1FMNAttack',
  'L2FMNAttack',
  'LInfFMNAttack',
  'GenAttack',
  'PointwiseAttack',
] as const;

export const FOOLBOX_ALIASES: Record<string, string> = {
  FGM: 'L2FastGradientAttack',
  FGSM: 'LinfFastGradientAttack',
  L1PGD: 'L1ProjectedGradientDescentAttack',
  L2PGD: 'L2ProjectedGradientDescentAttack',
  LinfPGD: 'LinfProjectedGradientDescentAttack',
  PGD: 'LinfProjectedGradientDescentAttack',
  MIFGSM: 'LinfMomentumIterativeFastGradientMethod',
  L1AdamPGD: 'L1AdamProjectedGradientDescentAttack',
  L2AdamPGD: 'L2AdamProjectedGradientDescentAttack',
  LinfAdamPGD: 'LinfAdamProjectedGradientDescentAttack',
  AdamPGD: 'LinfAdamProjectedGradientDescentAttack',
};

it('exports all 69 foolbox 3.3.4 attack names, constructible with defaults, aliases identical', () => {
  const mod = A as unknown as Record<string, new (a?: unknown) => A.Attack>;
  expect(FOOLBOX_CLASSES.length + Object.keys(FOOLBOX_ALIASES).length).toBe(69);
  for (const name of FOOLBOX_CLASSES) {
    const C = mod[name]!;
    expect(typeof C).toBe('function');
    const a = name === 'VirtualAdversarialAttack' ? new C({ steps: 1 }) : new C();
    expect(a).toBeInstanceOf(A.Attack);
  }
  for (const [alias, target] of Object.entries(FOOLBOX_ALIASES)) expect(mod[alias]).toBe(mod[target]);
});
