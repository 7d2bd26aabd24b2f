/**
 * `Conv2D` for the wasm backend: stride-1, undilated NHWC convolutions with a
 * multiple of 4 output channels (demo4's layers, and every Lipschitz conv of
 * @lipnet/layers with such a width) run lipnet's direct WebAssembly SIMD kernel
 * (conv-forward-simd.ts) — ≈ 40 GFLOP/s on one thread against XNNPACK's 25–30
 * at demo4's conv2 and 2.7× faster at its one-channel conv1; 3×3 ones with
 * a multiple of 4 input channels (demo4's conv2) run Winograd F(2×2, 3×3)
 * (conv-winograd.ts) instead; everything else runs the stock XNNPACK kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { directConv } from './conv-direct';
import { winogradApplies, winogradConv } from './conv-winograd';
import { runStock, type TensorInfo } from './stock';
import type { KernelArgs } from '../kernel-args';

/** Kernel function of `Conv2D` for 'wasm' (inputs x, filter; attrs as tfjs' conv2d). */
export function conv2dWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  const attrs = args.attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dilations: number | [number, number];
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const stock = () => runStock('Conv2D', backend, args.inputs as Record<string, TensorInfo>, args.attrs);
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') return stock();
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const direct =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.outChannels % 4 === 0 &&
    info.padInfo.top >= 0 &&
    info.padInfo.left >= 0;
  if (!direct) return stock();
  if (winogradApplies(info.filterHeight, info.filterWidth, info.inChannels, info.outChannels))
    return winogradConv(backend, x, filter, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth);
  return directConv(backend, x, filter, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth);
}
