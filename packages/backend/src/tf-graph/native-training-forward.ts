import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  PAIR_SORT_POOL_KERNELS,
  type TrainingForward,
  type TrainingGraphRunTimes,
  checkSwitch,
  checkTrainingBatch,
} from '../training-forward';

export type { TrainingForward, TrainingGraphRunTimes } from '../training-forward';
import type { ApiPb } from './graph-builder';
import { GraphSession, loadApiPb } from './graph-session';
import { type TrainGraph, type TrainGraphOptions, trainGraph } from './train-graph';
import { type TrainLayer, inferenceWeights, trainLayersOf, trainingWeights } from './train-graph-layers';
import { CONV_SORT_POOL_OPS } from './conv-sort-pool-ops';
import { WINOGRAD_OPS } from './winograd-ops';
import { nativeOpsLoaded } from '../native-fused-ops';
import { compileKernelPass } from '../kernel-pass/kernel-training-forward';

/** One compiled batch shape: its session and the tensor names of its two runs. */
interface Program {
  session: GraphSession;
  /** Forward run: x and the weights fed; the logits and the saved tensors fetched. */
  feeds: string[];
  fetches: string[];
  /** Backward run: the forward feeds, the saved tensors and ∂L/∂logits fed; ∂L/∂W̄, ∂L/∂b fetched. */
  backFeeds: string[];
  grads: string[];
}

function programOf(graph: TrainGraph, session: GraphSession): Program {
  const feeds = [graph.x, ...graph.weights.flat()];
  return {
    session,
    feeds,
    fetches: [graph.logits, ...graph.saved],
    backFeeds: [...feeds, ...graph.saved, graph.dy],
    grads: graph.grads.flat(),
  };
}

/** Whether training graphs use the Winograd conv ops where they apply ({@link setNativeWinograd}). */
let winogradWanted = true;

/**
 * Whether the training graphs compiled from now on compute their 3×3, stride-1, 'same' convolutions
 * with 8k channels by lipnet_ops' Winograd F(2×2, 3×3) ops (`WINOGRAD_OPS`: forward, input and filter
 * gradients, ~1.3× TensorFlow's own at demo4's second layer) instead of TensorFlow's Conv2D and its
 * gradients. On by default; `selectBackend` sets it from LIPNET_WINOGRAD (0: off). A lipnet_ops
 * built before these ops gets TensorFlow's. Programs already compiled keep theirs (both are kept, by
 * batch shape and this switch).
 */
export function setNativeWinograd(on: boolean): void {
  checkSwitch('setNativeWinograd', on);
  winogradWanted = on;
}

class NativeTrainingForward implements TrainingForward {
  private readonly programs = new Map<string, Program>();
  private disposed = false;
  private readonly times: TrainingGraphRunTimes = { forwardMs: 0, backwardMs: 0, forwardRuns: 0, backwardRuns: 0 };

  constructor(
    private readonly pb: ApiPb,
    private readonly layers: TrainLayer[],
    /** The model's input shape without the batch axis (null: any size). */
    private readonly inner: (number | null)[],
  ) {}

  apply(x: tf.Tensor): tf.Tensor {
    checkTrainingBatch(this.disposed, 'apply', x, this.inner);
    const p = this.program(x.shape);
    const weights = trainingWeights(this.layers).flat();
    const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const inputs = [x, ...(args as tf.Tensor[])];
      const t0 = performance.now();
      const [logits, ...saved] = p.session.runWith(p.feeds, inputs, p.fetches);
      this.times.forwardMs += performance.now() - t0;
      this.times.forwardRuns++;
      save([...inputs, ...saved]);
      const gradFunc = (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const t1 = performance.now();
        const out = p.session.runWith(p.backFeeds, [...kept, dy], p.grads);
        this.times.backwardMs += performance.now() - t1;
        this.times.backwardRuns++;
        return out;
      };
      return { value: logits!, gradFunc };
    });
    return run(...weights);
  }

  predict(x: tf.Tensor): tf.Tensor {
    checkTrainingBatch(this.disposed, 'predict', x, this.inner);
    const p = this.program(x.shape);
    const weights = inferenceWeights(this.layers).flat();
    try {
      return p.session.runWith(p.feeds, [x, ...weights], [p.fetches[0]!])[0]!;
    } finally {
      tf.dispose(weights);
    }
  }

  runTimes(): TrainingGraphRunTimes {
    return { ...this.times };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.programs.values()) p.session.dispose();
    this.programs.clear();
  }

  /**
   * The program of batch shape `shape`, compiled on first use with the ops the loaded lipnet_ops has:
   * the first-layer op and the Winograd convolutions (unless switched off) where it exports them,
   * TensorFlow's own ops where an older build does not.
   */
  private program(shape: number[]): Program {
    const ops = nativeOpsLoaded();
    const o: TrainGraphOptions = {
      convSortPool: ops.has(CONV_SORT_POOL_OPS.forward),
      winograd: winogradWanted && ops.has(WINOGRAD_OPS.forward),
    };
    const key = `${shape.join('x')}${o.winograd ? ' winograd' : ''}`;
    const cached = this.programs.get(key);
    if (cached) return cached;
    const graph = trainGraph(this.layers, shape, o);
    const p = programOf(graph, GraphSession.load(graph.graph, this.pb, []));
    this.programs.set(key, p);
    return p;
  }
}

/** The tfjs-node protobuf classes, set by {@link registerNativeTraining}. */
let protobuf: ApiPb | null = null;

/**
 * Lets {@link compileTrainingForward} compile on the 'tensorflow' backend
 * (`packageDir`: the tfjs-node package, for its protobuf messages); called by
 * `selectBackend` when lipnet's fused ops are registered and
 * LIPNET_TRAIN_GRAPH is not 0. Returns whether it is on.
 */
export function registerNativeTraining(packageDir: string): boolean {
  try {
    protobuf = loadApiPb(packageDir);
  } catch {
    protobuf = null;
  }
  return protobuf !== null;
}

/** Turns {@link compileTrainingForward} off. */
export function unregisterNativeTraining(): void {
  protobuf = null;
}

/**
 * A {@link TrainingForward} of `model` — a Sequential of @lipnet/layers'
 * SpectralConv2D / FrobeniusConv2D ('same' or 'valid', no dilation),
 * SpectralDense / FrobeniusDense (no activation, 'relu' or GroupSort(2)),
 * GroupSort(2), ScaledL2NormPooling2D and Flatten, float32 — on the
 * 'tensorflow' backend with lipnet's fused ops; on other backends the
 * kernel-by-kernel pass of `compileKernelPass` (wasm); or null: then train with
 * `model.apply(x, { training: true })`. Same gradients as that eager pass
 * (the same TensorFlow kernels; the first-layer op sums its convolution in
 * another order, ~1e-6 relative); on demo4's network at batch 4096 the step
 * skips ~300 MB of activations the eager layers must write.
 */
export function compileTrainingForward(model: tfl.LayersModel): TrainingForward | null {
  if (tf.getBackend() !== 'tensorflow') return compileKernelPass(model);
  if (!protobuf || PAIR_SORT_POOL_KERNELS.some((k) => tf.getKernel(k, 'tensorflow') === undefined)) return null;
  if (model.getClassName() !== 'Sequential') return null;
  const layers = trainLayersOf(model.layers);
  const input = model.inputs[0]?.shape;
  return layers && input ? new NativeTrainingForward(protobuf, layers, input.slice(1)) : null;
}
