export * from './conv-geometry';
export * from './strict-conv-coefficient';
export * from './conv-operator';
