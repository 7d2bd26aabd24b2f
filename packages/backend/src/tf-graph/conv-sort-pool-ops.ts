/** lipnet_ops' first-layer ops: convolution + bias + GroupSort(2) + L2-norm pooling, and its kernel/bias gradient. */
export const CONV_SORT_POOL_OPS = {
  forward: 'LipnetConvBiasPairSortL2Pool',
  grad: 'LipnetConvBiasPairSortL2PoolGrad',
} as const;
