import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  FUSED_KERNELS,
  setCwStepCompiler,
  type CwStepCompiler,
  type CwStepOutputs,
  type CwStepProblem,
  type CwStepProgram,
} from '@lipnet/core';
import { CW_STEP_FEEDS, CW_STEP_FETCHES, cwStepGraph } from './cw-step-graph';
import { graphLayersOf } from './graph-layers';
import { GraphSession, loadApiPb } from './graph-session';
import type { ApiPb } from './graph-builder';

/** The TensorFlow ops the graph uses besides stock ones (lipnet_ops.node: a tfjs kernel of the same name each). */
const NATIVE_OPS = [FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad, FUSED_KERNELS.l2Pool, FUSED_KERNELS.l2PoolGrad];

/** The outputs of a step, in the order the session fetches them. */
const FETCHED = Object.keys(CW_STEP_FETCHES) as (keyof CwStepOutputs)[];

function sequentialLayers(model: unknown): tfl.layers.Layer[] | null {
  const m = model as Partial<tfl.Sequential> | null;
  if (!m || typeof m.getClassName !== 'function' || m.getClassName() !== 'Sequential') return null;
  return Array.isArray(m.layers) ? m.layers : null;
}

/** The C&W step of `problem` as one TensorFlow graph session, or null when its model is not supported. */
function compile(pb: ApiPb, problem: CwStepProblem): CwStepProgram | null {
  if (tf.getBackend() !== 'tensorflow' || NATIVE_OPS.some((k) => tf.getKernel(k, 'tensorflow') === undefined))
    return null;
  const seq = sequentialLayers(problem.model);
  const layers = seq ? graphLayersOf(seq) : null;
  if (!layers || layers.some((l) => l.weights.some((w) => w.dtype !== 'float32'))) return null;
  const weightShapes = layers.map((l) => l.weights.map((w) => w.shape as number[]));
  let session: GraphSession;
  try {
    session = GraphSession.load(cwStepGraph({ ...problem, layers }, weightShapes), pb, Object.values(CW_STEP_FETCHES));
  } catch (err) {
    // A shape the graph cannot take (e.g. Dense on a rank-3 input) or a TensorFlow refusal: the eager step runs.
    process.emitWarning(
      `lipnet: the compiled C&W step is unavailable (${(err as Error).message}); using the eager step`,
    );
    return null;
  }
  return {
    run(s, t) {
      return tf.tidy(() => {
        const b1 = tf.scalar(1 - Math.pow(0.9, t));
        const b2 = tf.scalar(1 - Math.pow(0.999, t));
        const feeds = CW_STEP_FEEDS.map((k) => (k === 'b1' ? b1 : k === 'b2' ? b2 : s[k]));
        const weights = layers.flatMap((l) => l.weights.map((w) => w.read()));
        const out = session.run([...feeds, ...weights]);
        const result = {} as Record<keyof CwStepOutputs, tf.Tensor>;
        FETCHED.forEach((k, i) => (result[k] = out[i]!));
        return result;
      });
    },
    dispose: () => session.dispose(),
  };
}

/**
 * Sets @lipnet/core's C&W step compiler to one that runs each
 * `L2CarliniWagnerAttack` step as one TensorFlow graph on the 'tensorflow'
 * backend (written by `cwStepGraph`, loaded as a SavedModel session through
 * tfjs-node's binding; `packageDir` is the tfjs-node package, for its protobuf
 * messages). About 3× faster than the eager step on demo4's network (1.4 vs
 * 4.2 ms per step of 10 images, 2 cores). Models other than a Sequential of
 * Conv2D / Dense / GroupSort(2) / ScaledL2NormPooling2D / Flatten and other
 * backends keep the eager step. `selectBackend` calls it unless
 * `LIPNET_CW_GRAPH=0` (read with the other switches, backend-flags.ts).
 * Returns whether it was set.
 */
export function registerNativeCwStep(packageDir: string): boolean {
  let pb: ApiPb;
  try {
    pb = loadApiPb(packageDir);
  } catch {
    return false;
  }
  const compiler: CwStepCompiler = (problem) => compile(pb, problem);
  setCwStepCompiler(compiler);
  return true;
}

/** Removes the compiler {@link registerNativeCwStep} set. */
export function unregisterNativeCwStep(): void {
  setCwStepCompiler(null);
}
