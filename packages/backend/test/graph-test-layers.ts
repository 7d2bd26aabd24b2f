import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The installed @tensorflow/tfjs-node package folder, or undefined. */
export function tfjsNodeDir(): string | undefined {
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * A stand-in for one of lipnet's layers as the graph writers read it: a real tfjs-layers Layer with
 * the class name and config keys they read; with `kernelShape`, also a kernel (and a bias when
 * `useBias`), `trainingKernel()` and `effectiveWeights()`, as @lipnet/layers' reparametrised layers have.
 */
export class ConfigLayer extends tfl.layers.Layer {
  constructor(
    private readonly cls: string,
    private readonly cfg: Record<string, unknown>,
    private readonly kernelShape?: number[],
  ) {
    super({});
  }
  override getClassName(): string {
    return this.cls ?? 'ConfigLayer'; // unset while tfjs-layers' constructor names the layer
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as tf.serialization.ConfigDict;
  }
  override build(): void {
    if (this.kernelShape) {
      this.addWeight('kernel', this.kernelShape, 'float32', tfl.initializers.ones());
      if (this.cfg['useBias']) this.addWeight('bias', [this.kernelShape.at(-1)!], 'float32', tfl.initializers.zeros());
    }
    this.built = true;
  }
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(x) ? x[0]! : x;
  }
  trainingKernel(): tf.Tensor {
    return this.weights[0]!.read();
  }
  /** [W̄, bias] as inference reads them (new tensors), as @lipnet/layers' `effectiveWeights`. */
  effectiveWeights(): tf.Tensor[] {
    return this.weights.map((w) => w.read().clone());
  }
}
