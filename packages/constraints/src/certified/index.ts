export * from './certified-eigenvalue';
export * from './banded-gram-bound';
export * from './conv-operator-norm';
export * from './conv-exact-norm';
export * from './certified-conv-norm';
