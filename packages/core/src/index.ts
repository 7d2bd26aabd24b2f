/**
 * @lipnet/core: what every @lipnet package shares — the error types, the
 * options validator, tensor checks, the deel-lip version, the Lipschitz-layer
 * contract and the fused-kernel names. Depends on @tensorflow/tfjs-core only.
 */
export * from './errors';
export { formatValue, formatShape } from './format-value';
export { editDistance, closestMatch } from './closest-match';
export { OptionSpec, refuseOption } from './options/option-spec';
export type { AnyOptionSpec, OptionCheck, OptionContext } from './options/option-spec';
export { defineOptions } from './options/define-options';
export type { OptionSchema, OptionSchemaSettings, OptionsDefinition, ParsedOptions } from './options/define-options';
export { opt } from './options/opt';
export type { NumberBounds } from './options/opt';
export { checkTensor, checkFinite } from './tensor-checks';
export type { TensorRequirements } from './tensor-checks';
export * from './deel-lip-version';
export * from './lipschitz-layer';
export * from './fused-kernels';
export * from './compiled-cw-step';
