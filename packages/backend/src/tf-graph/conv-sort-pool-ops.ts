/**
 * lipnet's fused first-layer TensorFlow ops (tools/native/ops/conv_sort_pool_ops.cc, built into
 * `lipnet_ops.node` by `pnpm native:setup`): a stride-1 convolution, its bias, GroupSort(2) and
 * scaled L2-norm pooling in one pass, without writing the convolution's output to memory, and
 * its filter/bias gradient. For a layer whose input needs no gradient (the first layer): the
 * gradient op has no dx. The graph of the training step uses them by name; {@link
 * convBiasPairSortL2Pool} and {@link convBiasPairSortL2PoolGrad} run them eagerly (tests, benchmarks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NodeBackend, nodeBackend } from '../node-backend';

/** The TensorFlow op names. Not tfjs kernels (not in @lipnet/core's `FUSED_KERNELS`): graph ops. */
export const CONV_SORT_POOL_OPS = {
  /**
   * `LipnetConvBiasPairSortL2Pool(x [N,H,W,Cin], w [kh,kw,Cin,Cout], b [Cout]; ph, pw, scale, padding)
   * → y [N, OH/ph, OW/pw, Cout]` = `LipnetBiasPairSortL2Pool(Conv2D(x, w, stride 1, padding), b)`:
   * y = scale · √(mean over each ph×pw window of s²), s = GroupSort(2)(Conv2D(x, w) + b)
   * (deel-lip's `GroupSort2` then `ScaledL2NormPooling2D`).
   */
  forward: 'LipnetConvBiasPairSortL2Pool',
  /**
   * `LipnetConvBiasPairSortL2PoolGrad(x, w, b, dy; ph, pw, scale, eps, padding) → (dw, db)` =
   * `(Conv2DBackpropFilter(x, dz), Σ dz)` with `dz = LipnetBiasPairSortL2PoolGrad(Conv2D(x, w), b, dy)`.
   * Deterministic (independent of the thread count). No dx.
   */
  grad: 'LipnetConvBiasPairSortL2PoolGrad',
} as const;

/** The attrs of both ops. */
export interface ConvSortPoolConfig {
  /** The pooling window [ph, pw] (strides = window, 'valid' pooling). */
  poolSize: [number, number];
  /** The factor after the root mean square (deel-lip's ScaledL2NormPooling2D: √(ph·pw)). */
  scale: number;
  /** TensorFlow's padding of the stride-1 convolution. */
  padding: 'SAME' | 'VALID';
}

/** The attrs of the grad op. */
export interface ConvSortPoolGradConfig extends ConvSortPoolConfig {
  /** The ε of deel-lip's `_sqrt(eps_grad_sqrt)` gradient: ∂r = dy·scale / (2(r + ε)). */
  eps: number;
}

const WHAT = 'conv-sort-pool ops';

/** The TensorFlow attrs of either op (eps only for the grad op, given a {@link ConvSortPoolGradConfig}). */
function attrs(be: NodeBackend, config: ConvSortPoolConfig | ConvSortPoolGradConfig): unknown[] {
  const [ph, pw] = config.poolSize;
  const out: unknown[] = [
    { name: 'ph', type: be.binding.TF_ATTR_INT, value: ph },
    { name: 'pw', type: be.binding.TF_ATTR_INT, value: pw },
    { name: 'scale', type: be.binding.TF_ATTR_FLOAT, value: config.scale },
  ];
  if ('eps' in config) out.push({ name: 'eps', type: be.binding.TF_ATTR_FLOAT, value: config.eps });
  out.push({ name: 'padding', type: be.binding.TF_ATTR_STRING, value: config.padding });
  return out;
}

/**
 * Runs {@link CONV_SORT_POOL_OPS}.forward eagerly on tfjs-node's backend (the addon must be loaded,
 * e.g. by `registerNativeFusedOps`): the pooled [N, OH/ph, OW/pw, Cout] tensor (tracked by tfjs).
 */
export function convBiasPairSortL2Pool(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  config: ConvSortPoolConfig,
): tf.Tensor4D {
  const be = nodeBackend(WHAT);
  return be.executeSingleOutput(
    CONV_SORT_POOL_OPS.forward,
    attrs(be, { poolSize: config.poolSize, scale: config.scale, padding: config.padding }),
    [x, w, b],
  ) as tf.Tensor4D;
}

/**
 * Runs {@link CONV_SORT_POOL_OPS}.grad eagerly: dw [kh,kw,Cin,Cout] and db [Cout] of the pooled
 * output's gradient dy (tracked by tfjs).
 */
export function convBiasPairSortL2PoolGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  dy: tf.Tensor4D,
  config: ConvSortPoolGradConfig,
): { dw: tf.Tensor4D; db: tf.Tensor1D } {
  const be = nodeBackend(WHAT);
  const [dw, db] = be.executeMultipleOutputs(CONV_SORT_POOL_OPS.grad, attrs(be, config), [x, w, b, dy], 2);
  return { dw: dw as tf.Tensor4D, db: db as tf.Tensor1D };
}
