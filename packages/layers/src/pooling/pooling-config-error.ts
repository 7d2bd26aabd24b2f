/**
 * Thrown when a pooling or resampling layer of @lipnet/layers gets an argument
 * or an input shape it cannot handle. The message names the class, the
 * argument, the value and the fix, e.g. "ScaledAveragePooling2D: expected
 * `strides` to equal `poolSize` [2, 2], got [1, 1]. Omit strides or pass
 * strides: poolSize (non-overlapping windows keep the √(ph·pw) bound)."
 */
export class PoolingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolingConfigError';
    Object.setPrototypeOf(this, PoolingConfigError.prototype);
  }
}
