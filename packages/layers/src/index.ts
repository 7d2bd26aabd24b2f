export * from './lipschitz-layer';
