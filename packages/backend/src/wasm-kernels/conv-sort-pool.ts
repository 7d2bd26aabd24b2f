/**
 * The `LipnetConvBiasPairSortL2Pool` / `LipnetConvBiasPairSortL2PoolGrad`
 * kernels of @lipnet/core's `FUSED_KERNELS` for the wasm backend: a first
 * layer's stride-1 convolution, bias, GroupSort(2) and scaled L2-norm pooling
 * without ever writing the convolution's output:
 *
 *   y = LipnetBiasPairSortL2Pool(Conv2D(x, w, 1, padding), b) = scale · √mean_window(sort₂(z + b)²)
 *   [dw, db] = [Conv2DBackpropFilter(x, dz), Σ_{N,H,W} dz],  [dz, ·] = LipnetBiasPairSortL2PoolGrad(z, b, dy)
 *
 * (deel-lip: a SpectralConv2D with GroupSort2 and ScaledL2NormPooling2D after
 * it). No dx: for a layer whose input needs no gradient. One WebAssembly SIMD
 * module per geometry (conv-sort-pool-simd.ts) when Cout is a multiple of 4, a
 * window has at most 16 taps and the filter at most 64 (kh·kw·Cin); otherwise
 * the composition of lipnet's separate wasm kernels, the same numbers through z.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FUSED_KERNELS } from '@lipnet/core';
import type { KernelArgs } from '../kernel-args';
import { biasPairSortL2PoolGradWasm, biasPairSortL2PoolWasm } from './bias-pair-sort-l2-pool';
import { conv2dBackpropFilterWasm } from './conv2d-backprop-filter';
import { conv2dWasm } from './conv2d';
import { convPoolApplies, convPoolModuleBytes, type ConvPoolGeometry } from './conv-sort-pool-simd';
import { convPoolInputs, type ConvPoolInputs } from './conv-sort-pool-args';
import { release, type TensorInfo } from './stock';
import { memoryOffset, moduleOnBackendMemory, relaxedSimdEnabled } from './wasm-encoding';

/** The module's exports (see convPoolModuleBytes). */
interface ConvPoolFns {
  pool: (x: number, pad: number, w: number, b: number, y: number, n: number, scale: number) => void;
  grad: (...args: number[]) => void;
}

function moduleFns(backend: BackendWasm, g: ConvPoolGeometry): ConvPoolFns {
  const relaxed = relaxedSimdEnabled();
  const key = `${FUSED_KERNELS.convBiasPairSortL2Pool} ${Object.values(g).join(',')}${relaxed ? ' relaxed' : ''}`;
  return moduleOnBackendMemory(backend, key, () => convPoolModuleBytes(g, relaxed)).exports as unknown as ConvPoolFns;
}

/** The stock-named Conv2D of x and w (lipnet's wasm Conv2D) with the kernel's padding. */
function conv(backend: BackendWasm, a: ConvPoolInputs): TensorInfo {
  const attrs = { strides: [1, 1], pad: a.padding, dataFormat: 'NHWC', dilations: [1, 1] };
  return conv2dWasm({ inputs: { x: a.x, filter: a.w }, backend, attrs });
}

/** The module's scratch image (hp × wp × Cin floats), zeroed: the border stays zero, each image fills the interior. */
function padBuffer(backend: BackendWasm, g: ConvPoolGeometry): TensorInfo {
  const pad = backend.makeOutput([g.hp * g.wp * g.cin], 'float32');
  (backend.typedArrayFromHeap(pad) as Float32Array).fill(0);
  return pad;
}

/**
 * Kernel function of `LipnetConvBiasPairSortL2Pool` for 'wasm' (inputs x, w, b; attrs poolSize, scale, padding):
 * y = scale · √mean_window(sort₂(Conv2D(x, w, 1, padding) + b)²), [N, ⌊oH/ph⌋, ⌊oW/pw⌋, Cout].
 */
export function convBiasPairSortL2PoolWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const a = convPoolInputs(FUSED_KERNELS.convBiasPairSortL2Pool, args, false);
  const { g } = a;
  if (!convPoolApplies(g) || a.n === 0) {
    const z = conv(backend, a);
    const y = biasPairSortL2PoolWasm({
      inputs: { z, b: a.b },
      backend,
      attrs: { poolSize: [g.ph, g.pw], scale: a.scale },
    });
    release(backend, z);
    return y;
  }
  const y = backend.makeOutput([a.n, g.rows, g.cols, g.c], 'float32');
  const pad = padBuffer(backend, g);
  const at = (t: TensorInfo) => memoryOffset(backend, t);
  moduleFns(backend, g).pool(at(a.x), at(pad), at(a.w), at(a.b), at(y), a.n, a.scale);
  release(backend, pad);
  return y;
}

/** The composition's [dw, db]: z = Conv2D(x, w), [dz, db] = LipnetBiasPairSortL2PoolGrad(z, b, dy), dw = Conv2DBackpropFilter(x, dz). */
function composedGrad(backend: BackendWasm, a: ConvPoolInputs): TensorInfo[] {
  const { g } = a;
  const z = conv(backend, a);
  const attrs = { poolSize: [g.ph, g.pw], scale: a.scale, eps: a.eps };
  const [dz, db] = biasPairSortL2PoolGradWasm({ inputs: { z, b: a.b, dy: a.dy! }, backend, attrs }) as [
    TensorInfo,
    TensorInfo,
  ];
  const filterShape = a.w.shape.slice();
  const dw = conv2dBackpropFilterWasm({
    inputs: { x: a.x, dy: dz },
    backend,
    attrs: { strides: [1, 1], pad: a.padding, dataFormat: 'NHWC', filterShape },
  });
  release(backend, z, dz);
  return [dw, db];
}

/**
 * Kernel function of `LipnetConvBiasPairSortL2PoolGrad` for 'wasm' (inputs x, w, b, dy; attrs poolSize, scale,
 * eps, padding): [dw, db] = [Conv2DBackpropFilter(x, dz), Σ_{N,H,W} dz], dz = LipnetBiasPairSortL2PoolGrad(Conv2D(x, w), b, dy).
 */
export function convBiasPairSortL2PoolGradWasm(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const a = convPoolInputs(FUSED_KERNELS.convBiasPairSortL2PoolGrad, args, true);
  const { g } = a;
  if (!convPoolApplies(g) || a.n === 0) return composedGrad(backend, a);
  const taps = g.kh * g.kw * g.cin;
  const pad = padBuffer(backend, g);
  const dw = backend.makeOutput(a.w.shape.slice(), 'float32');
  const db = backend.makeOutput([g.c], 'float32');
  const part = backend.makeOutput([g.c], 'float32');
  const partW = backend.makeOutput([taps * g.c], 'float32');
  const dz = backend.makeOutput([g.ph * g.cols * g.pw * g.c], 'float32');
  for (const t of [dw, db, part, partW]) (backend.typedArrayFromHeap(t) as Float32Array).fill(0);
  const at = (t: TensorInfo) => memoryOffset(backend, t);
  const dy = a.dy!;
  moduleFns(backend, g).grad(...[a.x, pad, a.w, a.b, dy, dz, part, partW, dw, db].map(at), a.n, a.scale, a.eps);
  release(backend, pad, part, partW, dz);
  return [dw, db];
}
