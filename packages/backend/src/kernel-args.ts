import type * as tf from '@tensorflow/tfjs-core';

/** What tfjs passes a kernel function (`KernelFunc`): its named inputs, the backend and the attributes. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}
