export * from './pad-conv';
export * from './spectral-conv2d-transpose';
export * from './spectral-conv1d';
