export * from './certificates';
export * from './metrics';
export * from './check-certificates';
export * from './lipschitz-upper-bound';
export * from './empirical-lipschitz';
export { operatorPowerIteration } from './operator-power-iteration';
// The certified norm bounds live in @lipnet/constraints (the layers use them too); re-exported here.
export {
  convExactNormBound,
  convOperatorNormBound,
  convOutputAndPadding,
  dilateKernel,
  matrixSpectralNormBound,
} from '@lipnet/constraints';
export type { Conv2DGeometry, ConvNormBound } from '@lipnet/constraints';
export * from './proven-certificates';
export * from './robust-accuracy-curve';
export * from './robust-accuracy-spec';
