import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  PAIR_SORT_POOL_KERNELS,
  type TrainingForward,
  type TrainingGraphRunTimes,
  checkSwitch,
  checkTrainingBatch,
} from '../training-forward';
import { type TrainLayer, inferenceWeights, trainLayersOf, trainingWeights } from '../tf-graph/train-graph-layers';
import { kernelForward, kernelPredict } from './kernel-pass-forward';
import { kernelBackward } from './kernel-pass-backward';

/**
 * A model's training-mode logits as one differentiable op whose forward and
 * backward passes call the backend's kernels directly, layer by layer: the
 * `TrainingForward` of backends without TensorFlow graphs (wasm). As in the
 * native training graph, each layer's W̄ is computed eagerly on the tape (u
 * and σ updated, ∂L/∂W̄ flowing back through the reparametrisation) and the
 * network between them is a `tf.customGrad` op. What it saves against
 * `model.apply(x, { training: true })` on the tape: a convolution followed by
 * GroupSort(2) and ScaledL2NormPooling2D never writes its sorted activation
 * (an eager layer must return it: 154 MB per 2,048 demo4 images); a first
 * such layer, when the backend registers `LipnetConvBiasPairSortL2Pool`, never
 * writes its convolution either; the tape holds one node instead of hundreds.
 */
class KernelTrainingForward implements TrainingForward {
  private disposed = false;
  private readonly times: TrainingGraphRunTimes = { forwardMs: 0, backwardMs: 0, forwardRuns: 0, backwardRuns: 0 };

  constructor(
    private readonly layers: TrainLayer[],
    /** The model's input shape without the batch axis (null: any size). */
    private readonly inner: (number | null)[],
  ) {}

  apply(x: tf.Tensor): tf.Tensor {
    checkTrainingBatch(this.disposed, 'apply', x, this.inner);
    const weights = trainingWeights(this.layers);
    // customGrad passes back the very tensors it is called with: the forward reads them per layer from `weights`.
    const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const t0 = performance.now();
      const { logits, entries, kept } = kernelForward(this.layers, x, weights);
      this.times.forwardMs += performance.now() - t0;
      this.times.forwardRuns++;
      save(kept);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const t1 = performance.now();
        const grads = tf.tidy(() => kernelBackward(entries, saved, dy));
        this.times.backwardMs += performance.now() - t1;
        this.times.backwardRuns++;
        return grads;
      };
      return { value: logits, gradFunc };
    });
    return run(...weights.flat());
  }

  predict(x: tf.Tensor): tf.Tensor {
    checkTrainingBatch(this.disposed, 'predict', x, this.inner);
    const weights = inferenceWeights(this.layers);
    try {
      return tf.tidy(() => kernelPredict(this.layers, x, weights));
    } finally {
      tf.dispose(weights.flat());
    }
  }

  runTimes(): TrainingGraphRunTimes {
    return { ...this.times };
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** Whether {@link compileKernelPass} compiles ({@link setKernelPass}). */
let kernelPassWanted = true;

/**
 * Whether {@link compileKernelPass} returns passes from now on (on by default; `selectBackend` sets it
 * from LIPNET_KERNEL_PASS, 0: off, for A/B runs against the eager layers). Passes already made keep working.
 */
export function setKernelPass(on: boolean): void {
  checkSwitch('setKernelPass', on);
  kernelPassWanted = on;
}

/**
 * A kernel-by-kernel {@link TrainingForward} of `model` (the same Sequentials
 * as `compileTrainingForward`: @lipnet/layers' SpectralConv2D /
 * FrobeniusConv2D, SpectralDense / FrobeniusDense with no activation, 'relu'
 * or GroupSort(2), GroupSort(2), ScaledL2NormPooling2D, Flatten; float32) on
 * the active backend when it registers lipnet's fused pair-sort and pooling
 * kernels (wasm) and LIPNET_KERNEL_PASS is not 0 ({@link setKernelPass}), else null: then train with `model.apply(x, { training: true })`.
 * Same kernels as that eager pass, so the same gradients (to rounding where
 * the fused first-layer kernel sums its convolution in another order).
 */
export function compileKernelPass(model: tfl.LayersModel): TrainingForward | null {
  const backend = tf.getBackend();
  if (!kernelPassWanted) return null;
  if (PAIR_SORT_POOL_KERNELS.some((k) => tf.getKernel(k, backend) === undefined)) return null;
  if (model.getClassName() !== 'Sequential') return null;
  const layers = trainLayersOf(model.layers);
  const input = model.inputs[0]?.shape;
  return layers && input ? new KernelTrainingForward(layers, input.slice(1)) : null;
}
