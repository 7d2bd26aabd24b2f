import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FUSED_KERNELS, LipnetInputError, LipnetOptionError, formatValue } from '@lipnet/core';
import type { ApiPb } from './graph-builder';
import { GraphSession, loadApiPb } from './graph-session';
import { type TrainGraph, type TrainGraphOptions, trainGraph } from './train-graph';
import { type TrainLayer, trainLayersOf } from './train-graph-layers';
import { CONV_SORT_POOL_OPS } from './conv-sort-pool-ops';
import { WINOGRAD_OPS } from './winograd-ops';
import { nativeOpsLoaded } from '../native-fused-ops';

/** The TensorFlow ops the training graph uses besides stock ones (a tfjs kernel of the same name each). */
const NATIVE_OPS = [
  FUSED_KERNELS.pairSort,
  FUSED_KERNELS.pairSortGrad,
  FUSED_KERNELS.biasPairSort,
  FUSED_KERNELS.biasPairSortGrad,
  FUSED_KERNELS.l2Pool,
  FUSED_KERNELS.l2PoolGrad,
  FUSED_KERNELS.biasPairSortL2Pool,
  FUSED_KERNELS.biasPairSortL2PoolGrad,
];

/**
 * A model's training-mode logits with its forward and backward passes as
 * TensorFlow graph runs (see `trainGraph`). `apply(x)` is a drop-in for
 * `model.apply(x, { training: true })` inside `optimizer.minimize` /
 * `tf.variableGrads`: the layers' normalised kernels W̄ are computed eagerly,
 * on the tape, as a training call does (so u and σ are updated and ∂L/∂W̄
 * flows back through the reparametrisation), and the network between them is
 * one `tf.customGrad` op whose gradient is the backward graph's run.
 */
export interface TrainingForward {
  /** The logits of `x` in training mode, differentiable with respect to the model's trainable weights. */
  apply(x: tf.Tensor): tf.Tensor;
  /**
   * The logits of `x` in inference mode, as `model.predict(x)` computes them (each layer's W̄ as
   * inference uses it, deel-lip's `wbar`: the layers' `effectiveWeights()`), in one forward run of
   * the same graph that fetches only the logits. Not differentiable; the caller disposes the result.
   */
  predict(x: tf.Tensor): tf.Tensor;
  /** Wall time spent in the graph's session runs since creation, ms (forward runs, backward runs) and their count. */
  runTimes(): TrainingGraphRunTimes;
  /** Closes the sessions. Idempotent. */
  dispose(): void;
}

/** See {@link TrainingForward.runTimes}. */
export interface TrainingGraphRunTimes {
  forwardMs: number;
  backwardMs: number;
  forwardRuns: number;
  backwardRuns: number;
}

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
  if (typeof on !== 'boolean') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: 'setNativeWinograd',
      option: 'on',
      message: `expected \`on\` to be a boolean, got ${formatValue(on)}. Pass true or false.`,
    });
  }
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
    this.checkBatch('apply', x);
    const p = this.program(x.shape);
    const weights = this.layers.flatMap((l) => {
      if (!l.kernel) return [];
      const w = l.kernel();
      return l.bias ? [w, l.bias.read()] : [w];
    });
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
    this.checkBatch('predict', x);
    const p = this.program(x.shape);
    const weights = this.layers.flatMap((l) => (l.inference ? l.inference() : []));
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

  /** Throws unless `x` is a non-empty float32 batch of the model's input shape (and this is not disposed). */
  private checkBatch(method: string, x: tf.Tensor): void {
    if (this.disposed) throw new Error(`TrainingForward: ${method}() after dispose()`);
    const inner = x.shape.slice(1);
    const fits = inner.length === this.inner.length && this.inner.every((d, i) => d === null || d === inner[i]);
    if (!fits || x.dtype !== 'float32' || x.shape[0] === 0) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: `TrainingForward.${method}`,
        option: 'x',
        message: `expected a non-empty float32 batch of shape [n, ${this.inner.map((d) => d ?? '?').join(', ')}], got ${x.dtype} [${x.shape.join(', ')}]. Pass the model's input batch.`,
      });
    }
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
 * 'tensorflow' backend with lipnet's fused ops, or null: then train with
 * `model.apply(x, { training: true })`. Same gradients as that eager pass
 * (the same TensorFlow kernels; the first-layer op sums its convolution in
 * another order, ~1e-6 relative); on demo4's network at batch 4096 the step
 * skips ~300 MB of activations the eager layers must write.
 */
export function compileTrainingForward(model: tfl.LayersModel): TrainingForward | null {
  if (!protobuf || tf.getBackend() !== 'tensorflow') return null;
  if (NATIVE_OPS.some((k) => tf.getKernel(k, 'tensorflow') === undefined)) return null;
  if (model.getClassName() !== 'Sequential') return null;
  const layers = trainLayersOf(model.layers);
  const input = model.inputs[0]?.shape;
  return layers && input ? new NativeTrainingForward(protobuf, layers, input.slice(1)) : null;
}
