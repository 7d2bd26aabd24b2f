export * from './certificates';
export * from './metrics';
export * from './check-certificates';
export * from './lipschitz-upper-bound';
export * from './empirical-lipschitz';
export {
  convExactNormBound,
  convOperatorNormBound,
  convOutputAndPadding,
  dilateKernel,
  operatorPowerIteration,
} from './operator-norms';
export type { Conv2DGeometry, ConvNormBound } from './operator-norms';
export { matrixSpectralNormBound } from './linalg';
