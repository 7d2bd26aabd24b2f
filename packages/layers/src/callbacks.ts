import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { condense, flattenLayers } from './condense';
import { isCondensable } from './lipschitz-layer';
import { LipnetOptionError, defineOptions, formatValue, opt } from '@lipnet/core';

/** Arguments of {@link CondenseCallback}. */
export interface CondenseCallbackArgs {
  /** Condense at the end of each epoch. Default true. */
  onEpoch?: boolean;
  /** Condense at the end of each batch. Default false. */
  onBatch?: boolean;
}

const CONDENSE_OPTIONS = defineOptions('CondenseCallback', {
  onEpoch: opt.boolean().default(true),
  onBatch: opt.boolean().default(false),
});
const MONITOR_OPTIONS = defineOptions('MonitorCallback', {
  monitoredLayers: opt.arrayOf(opt.string()),
  onEpoch: opt.boolean(),
  onBatch: opt.boolean(),
  log: opt.func(),
  iterations: opt.integer({ min: 1 }),
});

/**
 * `fit` callback that calls {@link condense} on the model at the end of each
 * epoch (and/or batch). deel-lip: `callbacks.CondenseCallback(on_epoch=True, on_batch=False)`.
 */
export class CondenseCallback extends tfl.Callback {
  readonly onEpoch: boolean;
  readonly onBatch: boolean;
  constructor(args: CondenseCallbackArgs = {}) {
    super();
    const o = CONDENSE_OPTIONS.parse(args);
    this.onEpoch = o.onEpoch;
    this.onBatch = o.onBatch;
  }
  override onEpochEnd(): Promise<void> {
    if (this.onEpoch) condense(this.model);
    return Promise.resolve();
  }
  override onBatchEnd(): Promise<void> {
    if (this.onBatch) condense(this.model);
    return Promise.resolve();
  }
}

/** One record of {@link MonitorCallback}. */
export interface MonitorRecord {
  /** Epoch (0-based), or the running batch count when logging per batch. */
  step: number;
  /** Layer name. */
  layer: string;
  /** Largest singular value of the effective (normalised) kernel, reshaped to [-1, C_out]. */
  sigmaMax: number;
}

/** Arguments of {@link MonitorCallback}. */
export interface MonitorCallbackArgs {
  /** Names of the layers to monitor; default every Condensable layer. */
  monitoredLayers?: string[];
  /** Log at each epoch end. Default true. */
  onEpoch?: boolean;
  /** Log at each batch end. Default false. */
  onBatch?: boolean;
  /** Receives each record (default: kept in `records` only). */
  log?: (r: MonitorRecord) => void;
  /** Power iterations used to estimate σ_max. Default 100. */
  iterations?: number;
}

/**
 * Largest singular value of a matrix by `iterations` power iterations on WᵀW
 * (float32, from a fixed start), as a JS number.
 */
export function largestSingularValue(w: tf.Tensor, iterations = 100): number {
  return tf.tidy(() => {
    const m = tf.reshape(w, [-1, w.shape[w.rank - 1]!]) as tf.Tensor2D;
    const mT = tf.transpose(m);
    let u: tf.Tensor2D = tf.div(tf.ones([1, m.shape[1]]), Math.sqrt(m.shape[1])) as tf.Tensor2D;
    for (let i = 0; i < iterations; i++) {
      const z = tf.matMul(tf.matMul(u, mT), m);
      u = tf.div(z, tf.add(tf.norm(z), 1e-30)) as tf.Tensor2D;
    }
    return tf.norm(tf.matMul(u, mT)).dataSync()[0]!;
  });
}

/**
 * `fit` callback recording σ_max of each monitored layer's effective kernel
 * (the normalised W̄ the layer uses, from `effectiveWeights()`),
 * e.g. to watch the constraint during training. deel-lip:
 * `callbacks.MonitorCallback(monitored_layers, logdir, target='wbar', what='max')`;
 * here records go to `records` and an optional `log` function instead of TensorBoard.
 */
export class MonitorCallback extends tfl.Callback {
  readonly records: MonitorRecord[] = [];
  private readonly args: MonitorCallbackArgs;
  private batches = 0;
  constructor(args: MonitorCallbackArgs = {}) {
    super();
    MONITOR_OPTIONS.parse(args);
    this.args = args;
    const it = args.iterations ?? 100;
    if (!Number.isInteger(it) || it < 1) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'MonitorCallback',
        option: 'iterations',
        message: `expected \`iterations\` to be an integer ≥ 1, got ${formatValue(it)}. Pass e.g. 100.`,
      });
    }
  }
  /** Measures the monitored layers of `model` now and records them at `step`. */
  measure(model: tfl.LayersModel, step: number): MonitorRecord[] {
    const wanted = this.args.monitoredLayers;
    const layers = flattenLayers(model).filter((l) => (wanted ? wanted.includes(l.name) : isCondensable(l)));
    if (wanted) {
      const missing = wanted.filter((n) => !layers.some((l) => l.name === n));
      if (missing.length) {
        throw new LipnetOptionError({
          code: 'INVALID_OPTION',
          who: 'MonitorCallback',
          option: 'monitoredLayers',
          message: `\`monitoredLayers\` names no layer ${formatValue(missing)} in the model. Pass names from model.layers.map(l => l.name).`,
        });
      }
    }
    const out: MonitorRecord[] = [];
    for (const l of layers) {
      if (!isCondensable(l)) continue;
      const ws =
        (l as unknown as { effectiveWeights?: () => tf.Tensor[] }).effectiveWeights?.() ??
        l
          .vanillaExport()
          .getWeights()
          .map((w) => w.clone());
      const r = { step, layer: l.name, sigmaMax: largestSingularValue(ws[0]!, this.args.iterations ?? 100) };
      tf.dispose(ws);
      out.push(r);
      this.records.push(r);
      this.args.log?.(r);
    }
    return out;
  }
  override onEpochEnd(epoch: number): Promise<void> {
    if (this.args.onEpoch ?? true) this.measure(this.model, epoch);
    return Promise.resolve();
  }
  override onBatchEnd(): Promise<void> {
    if (this.args.onBatch) this.measure(this.model, this.batches++);
    return Promise.resolve();
  }
}
