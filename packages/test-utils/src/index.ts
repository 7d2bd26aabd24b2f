export { expectTensorsClose } from './expect-tensors-close';
export type { CloseOptions } from './expect-tensors-close';
export { expectNoLeakedTensors } from './leak-check';
export { saveLoadRoundTrip } from './round-trip';
export { singularValues, spectralNorm } from './svd';
export { finiteDifferenceGradient } from './finite-differences';
