export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  registeredWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
} from './wasm-kernels/register';
export type { WasmTrainingKernel } from './wasm-kernels/register';
export { IM2COL_MAX_PATCH, setIm2colMaxPatch, setBackpropFilterRoute } from './wasm-kernels/conv2d-backprop-filter';
export type { BackpropFilterRoute } from './wasm-kernels/conv2d-backprop-filter';
export { selectBackend, BACKEND_NAMES } from './select-backend';
export type { BackendChoice, BackendName, SelectBackendOptions, SkippedBackend } from './select-backend';
export { BackendUnavailableError, UnknownBackendError, WasmKernelsError } from './errors';
export { wasmDistDir, WASM_BINARIES } from './wasm-paths';
export { DataParallelTrainer, DataParallelError, shardSizes } from './data-parallel';
export type { DataParallelOptions } from './data-parallel';
export { BatchObjective, fullBatchStep, reduceToScalar, tapeStep } from './full-batch-step';
export type { FullBatchStepTimings, LogitsPass, LossOrMetricFn } from './full-batch-step';
export { MicroBatchPass } from './micro-batch-pass';
export { registerNativeTrainingKernels, unregisterNativeTrainingKernels } from './native-kernels';
export {
  registerNativeFusedOps,
  unregisterNativeFusedOps,
  fusedOpsFile,
  nativeOpsLoaded,
  NATIVE_FUSED_OPS,
} from './native-fused-ops';
export type { NativeFusedOpsStatus } from './native-fused-ops';
export { KernelProfile } from './kernel-profile';
export type { KernelProfileRow } from './kernel-profile';
export { setRelaxedSimd, relaxedSimdEnabled } from './wasm-kernels/wasm-encoding';
export { configureRelaxedSimd } from './relaxed-simd';
export { installFrugalBackprop, uninstallFrugalBackprop, nodesFromXsToY } from './frugal-backprop';
export type { TapeNode } from './frugal-backprop';
export { compiledModuleKeys } from './wasm-kernels/wasm-encoding';
export { setConvWinograd, winogradApplies } from './wasm-kernels/conv-winograd';
export type { WinogradMode } from './wasm-kernels/conv-winograd';
export { registerNativeCwStep, unregisterNativeCwStep } from './tf-graph/native-cw-step';
export {
  compileTrainingForward,
  registerNativeTraining,
  setNativeWinograd,
  unregisterNativeTraining,
  type TrainingForward,
  type TrainingGraphRunTimes,
} from './tf-graph/native-training-forward';
export { compileKernelPass, setKernelPass } from './kernel-pass/kernel-training-forward';
export { GraphBuilder } from './tf-graph/graph-builder';
export { cwStepGraph, CW_STEP_FEEDS, CW_STEP_FETCHES } from './tf-graph/cw-step-graph';
export { graphLayersOf } from './tf-graph/graph-layers';
export { CONV_SORT_POOL_OPS, convBiasPairSortL2Pool, convBiasPairSortL2PoolGrad } from './tf-graph/conv-sort-pool-ops';
export type { ConvSortPoolConfig, ConvSortPoolGradConfig } from './tf-graph/conv-sort-pool-ops';
export {
  WINOGRAD_OPS,
  winogradConv2d,
  winogradConv2dBackpropFilter,
  winogradConv2dBackpropInput,
  winogradTakes,
} from './tf-graph/winograd-ops';
export { installMovedShapeFix, movedShapeFixStats } from './native-moved-shapes';
export type { MovedShapeStats } from './native-moved-shapes';
