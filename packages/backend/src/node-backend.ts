import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-node's backend that runs a TensorFlow op eagerly by name, with its attr type codes. */
export interface NodeBackend {
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
  binding: { TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number };
}

/** tfjs-node's backend, or an error saying what to do (`what`: the ops that need it). */
export function nodeBackend(what: string): NodeBackend {
  if (tf.getBackend() !== 'tensorflow') {
    throw new Error(
      `${what} run on the 'tensorflow' backend (tfjs-node), but the active backend is '${tf.getBackend()}': ` +
        "call selectBackend({ prefer: 'tensorflow' }) and registerNativeFusedOps(dir) first",
    );
  }
  return tf.backend() as unknown as NodeBackend;
}
