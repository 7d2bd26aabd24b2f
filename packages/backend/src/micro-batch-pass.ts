/**
 * The one-thread {@link LogitsPass}: a batch too large for one forward/backward
 * pass (wasm32's 4 GB heap at batch 4096) is computed in chunks of `chunk`
 * rows, so only one chunk's activations are alive at a time. With
 * {@link fullBatchStep} this is the same full-batch step, exact for any loss.
 *
 * The logits of the forward pass come from an inference-mode pass, and the
 * backward pass re-runs each chunk in training mode, so a layer whose training
 * call moves its power-iteration vector sees the kernel of that call (a
 * difference of the order of the power iteration's convergence, ≪ 1e-4).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LogitsPass } from './full-batch-step';

/** The batch `x` through `model` in chunks of `chunk` rows. */
export class MicroBatchPass implements LogitsPass {
  private readonly starts: number[] = [];

  constructor(
    private readonly model: tfl.LayersModel,
    private readonly x: tf.Tensor,
    private readonly chunk: number,
  ) {
    if (!Number.isInteger(chunk) || chunk < 1)
      throw new RangeError(`MicroBatchPass: expected \`chunk\` to be an integer ≥ 1, got ${chunk}.`);
    for (let s = 0; s < x.shape[0]; s += chunk) this.starts.push(s);
  }

  private part(t: tf.Tensor, s: number): tf.Tensor {
    return tf.slice(t, s, Math.min(this.chunk, this.x.shape[0] - s));
  }

  /** Inference-mode logits of every chunk, concatenated. */
  forward(): Promise<tf.Tensor> {
    return Promise.resolve(
      tf.tidy(() =>
        tf.concat(this.starts.map((s) => this.model.apply(this.part(this.x, s), { training: false }) as tf.Tensor)),
      ),
    );
  }

  /** Σ over chunks of ∂(Σ P_chunk ⊙ G_chunk)/∂θ, each chunk in training mode; yields to the event loop between chunks. */
  async backward(g: tf.Tensor): Promise<tf.NamedTensorMap> {
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    let sum: tf.NamedTensorMap | null = null;
    for (const s of this.starts) {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.sum(
            tf.mul(this.model.apply(this.part(this.x, s), { training: true }) as tf.Tensor, this.part(g, s)),
          ) as tf.Scalar,
        vars,
      );
      value.dispose();
      if (!sum) sum = grads;
      else {
        const prev: tf.NamedTensorMap = sum;
        sum = Object.fromEntries(Object.keys(prev).map((k) => [k, tf.add(prev[k]!, grads[k]!)]));
        tf.dispose([...Object.values(prev), ...Object.values(grads)]);
      }
      await new Promise((r) => setImmediate(r));
    }
    return sum!;
  }

  /** Nothing waits for G in one thread. */
  abort(): Promise<void> {
    return Promise.resolve();
  }
}
