/**
 * Registers lipnet's training kernels for the `wasm` backend with
 * `tf.registerKernel`, replacing the stock configs of the same names (which
 * are kept, so they can be restored and so the replacements can call them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradWasm } from './avg-pool-grad';
import { batchMatMulWasm } from './batch-mat-mul';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dBackpropInputWasm } from './conv2d-backprop-input';
import { conv2dWasm } from './conv2d';
import { captureStock, stockConfig } from './stock';
import { sumWasm } from './sum';
import { identityWasm } from './identity';
import { tileWasm } from './tile';
import { gatherWasm } from './gather';
import { pairSortGradWasm, pairSortWasm } from './pair-sort-simd';
import { biasPairSortGradWasm, biasPairSortWasm } from './bias-pair-sort-simd';
import { l2PoolGradWasm, l2PoolWasm } from './l2-pool-simd';
import { biasPairSortL2PoolGradWasm, biasPairSortL2PoolWasm } from './bias-pair-sort-l2-pool';
import { convBiasPairSortL2PoolGradWasm, convBiasPairSortL2PoolWasm } from './conv-sort-pool';
import { WasmKernelsError } from '../errors';
import { FUSED_KERNELS } from '@lipnet/core';

/** The kernels lipnet supplies for the wasm backend (replacements of stock ones, and lipnet's own `Lipnet*` kernels). */
export type WasmTrainingKernel =
  | 'Conv2D'
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'BatchMatMul'
  | 'AvgPoolGrad'
  | 'Sum'
  | 'Identity'
  | 'Tile'
  | 'GatherV2'
  | typeof FUSED_KERNELS.pairSort
  | typeof FUSED_KERNELS.pairSortGrad
  | typeof FUSED_KERNELS.biasPairSort
  | typeof FUSED_KERNELS.biasPairSortGrad
  | typeof FUSED_KERNELS.l2Pool
  | typeof FUSED_KERNELS.l2PoolGrad
  | typeof FUSED_KERNELS.biasPairSortL2Pool
  | typeof FUSED_KERNELS.biasPairSortL2PoolGrad
  | typeof FUSED_KERNELS.convBiasPairSortL2Pool
  | typeof FUSED_KERNELS.convBiasPairSortL2PoolGrad;

/** Every kernel lipnet supplies for wasm, in registration order. */
export const WASM_TRAINING_KERNELS: readonly WasmTrainingKernel[] = [
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  'AvgPoolGrad',
  'Sum',
  'Identity',
  'Tile',
  'GatherV2',
  FUSED_KERNELS.pairSort,
  FUSED_KERNELS.pairSortGrad,
  FUSED_KERNELS.biasPairSort,
  FUSED_KERNELS.biasPairSortGrad,
  FUSED_KERNELS.l2Pool,
  FUSED_KERNELS.l2PoolGrad,
  FUSED_KERNELS.biasPairSortL2Pool,
  FUSED_KERNELS.biasPairSortL2PoolGrad,
  FUSED_KERNELS.convBiasPairSortL2Pool,
  FUSED_KERNELS.convBiasPairSortL2PoolGrad,
];

const impls: Record<WasmTrainingKernel, tf.KernelFunc> = {
  // Stride-1 convolutions on lipnet's direct SIMD kernel; the rest on the stock XNNPACK one.
  Conv2D: conv2dWasm as unknown as tf.KernelFunc,
  Conv2DBackpropFilter: conv2dBackpropFilterWasm as unknown as tf.KernelFunc,
  Conv2DBackpropInput: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
  BatchMatMul: batchMatMulWasm as unknown as tf.KernelFunc,
  AvgPoolGrad: avgPoolGradWasm as unknown as tf.KernelFunc,
  Sum: sumWasm as unknown as tf.KernelFunc,
  Identity: identityWasm as unknown as tf.KernelFunc,
  // Block copies instead of the stock per-element index arithmetic (attacks broadcast per-sample masks with it).
  Tile: tileWasm as unknown as tf.KernelFunc,
  // Block copies per gathered slice instead of per-element index arithmetic (demo4 gathers each training batch).
  GatherV2: gatherWasm as unknown as tf.KernelFunc,
  // @lipnet/layers' fused GroupSort(2) (FUSED_KERNELS), one WebAssembly SIMD pass each way.
  [FUSED_KERNELS.pairSort]: pairSortWasm as unknown as tf.KernelFunc,
  [FUSED_KERNELS.pairSortGrad]: pairSortGradWasm as unknown as tf.KernelFunc,
  // A Lipschitz layer's bias + GroupSort(2) (FUSED_KERNELS), one WebAssembly pass each way (db in the backward pass).
  [FUSED_KERNELS.biasPairSort]: biasPairSortWasm as unknown as tf.KernelFunc,
  [FUSED_KERNELS.biasPairSortGrad]: biasPairSortGradWasm as unknown as tf.KernelFunc,
  // ScaledL2NormPooling2D's fused pooling (FUSED_KERNELS), one WebAssembly pass each way.
  [FUSED_KERNELS.l2Pool]: l2PoolWasm as unknown as tf.KernelFunc,
  [FUSED_KERNELS.l2PoolGrad]: l2PoolGradWasm as unknown as tf.KernelFunc,
  // A conv's bias + GroupSort(2) pooled straight from z and b (FUSED_KERNELS): one pass each way, no sorted tensor.
  [FUSED_KERNELS.biasPairSortL2Pool]: biasPairSortL2PoolWasm as unknown as tf.KernelFunc,
  [FUSED_KERNELS.biasPairSortL2PoolGrad]: biasPairSortL2PoolGradWasm as unknown as tf.KernelFunc,
  // A first layer's conv + bias + GroupSort(2) + pooling (FUSED_KERNELS): the conv's output never written; [dw, db] back.
  [FUSED_KERNELS.convBiasPairSortL2Pool]: convBiasPairSortL2PoolWasm as unknown as tf.KernelFunc,
  [FUSED_KERNELS.convBiasPairSortL2PoolGrad]: convBiasPairSortL2PoolGradWasm as unknown as tf.KernelFunc,
};

/** Stock kernels the replacements build on; their C++ bindings are set up with the backend. */
const BUILDING_BLOCKS = [
  'Conv2D',
  'DepthwiseConv2dNative',
  'Add',
  'Transpose',
  'BatchMatMul',
  'Multiply',
  'Reverse',
  'Slice',
  'Sum',
  'AvgPoolGrad',
  'Conv2DBackpropInput',
  'Identity',
  'Tile',
  'GatherV2',
];

const installed = new Set<WasmTrainingKernel>();

/**
 * Registers lipnet's wasm training kernels (all of {@link WASM_TRAINING_KERNELS}
 * unless `only` names a subset). Idempotent. Requires
 * `@tensorflow/tfjs-backend-wasm` to have been imported (it registers the stock
 * kernels); works before or after the backend is initialised. Returns the names
 * now registered by lipnet.
 */
export function registerWasmTrainingKernels(only?: readonly WasmTrainingKernel[]): WasmTrainingKernel[] {
  if (!tf.getKernel('Conv2D', 'wasm')) {
    throw new WasmKernelsError(
      "registerWasmTrainingKernels: no 'wasm' kernels are registered. Import '@tensorflow/tfjs-backend-wasm' before registering lipnet's kernels.",
    );
  }
  for (const name of BUILDING_BLOCKS) captureStock(name);
  for (const name of only ?? WASM_TRAINING_KERNELS) {
    if (!(name in impls)) {
      throw new WasmKernelsError(
        `registerWasmTrainingKernels: unknown kernel '${String(name)}'. Known: ${WASM_TRAINING_KERNELS.join(', ')}.`,
      );
    }
    if (installed.has(name)) continue;
    const stock = stockConfig(name);
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: impls[name],
      // Keep the stock C++ binding alive: our kernel may call the stock one.
      ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
      ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
    });
    installed.add(name);
  }
  // Building blocks overridden by nobody still need their setup; the stock
  // configs stay registered for those, so nothing to do.
  return [...installed];
}

/** Puts the stock wasm kernels back (Conv2DBackpropFilter becomes missing again). */
export function unregisterWasmTrainingKernels(): void {
  for (const name of [...installed]) {
    tf.unregisterKernel(name, 'wasm');
    const stock = stockConfig(name);
    if (stock) tf.registerKernel(stock);
    installed.delete(name);
  }
}

/** Names of the lipnet wasm kernels currently registered. */
export function registeredWasmTrainingKernels(): WasmTrainingKernel[] {
  return [...installed];
}
