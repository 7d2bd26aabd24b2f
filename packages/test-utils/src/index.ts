export { expectTensorsClose } from './expect-tensors-close';
export type { CloseOptions } from './expect-tensors-close';
export { expectNoLeakedTensors } from './leak-check';
export { saveLoadRoundTrip } from './round-trip';
export { singularValues, spectralNorm } from './svd';
export { finiteDifferenceGradient } from './finite-differences';
export { registerReferenceFusedKernels, REFERENCE_FUSED_KERNEL_NAMES } from './fused-reference-kernels';
export { maxRelativeDifference } from './max-relative-difference';
export { expectLipnetErrorNamingOption, resultOrLipnetError } from './lipnet-error-property';
