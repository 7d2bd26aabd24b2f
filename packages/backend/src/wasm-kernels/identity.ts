/**
 * `Identity` for the wasm backend without a copy. tfjs tensors are immutable
 * (a variable's `assign` gives it a new data id; kernels only write into the
 * buffers they allocate), so the output can share the input's buffer through
 * the backend's reference count — as the cpu backend's Identity and every
 * backend's Reshape already do. The stock wasm kernel copies the whole tensor:
 * tfjs-core's fused-op gradients clone every activation (≈ 68 ms CPU per demo4
 * step at batch 4096). String tensors keep the stock copy.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { TensorInfo, runStock } from './stock';
import type { KernelArgs } from '../kernel-args';

/** Kernel function of `Identity` for 'wasm' (input x): shares x's buffer. */
export function identityWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  if (x.dtype === 'string') return runStock('Identity', backend, { x }, {});
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}
