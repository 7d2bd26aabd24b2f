export * from './lipschitz-layer';
export * from './activations';
export * from './pooling';
