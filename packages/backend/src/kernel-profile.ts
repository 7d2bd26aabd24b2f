/**
 * Per-kernel wall time of whatever runs on a backend: every kernel registered
 * for it is wrapped (the configs are re-registered with a timing kernelFunc,
 * setup and dispose functions kept) until {@link KernelProfile.stop} puts the
 * originals back. Times are exclusive: a kernel that runs another registered
 * kernel through the engine is charged its own time only. Used by
 * `pnpm bench --profile` in the main thread and, through
 * {@link DataParallelTrainer.profileKernels}, inside each worker thread.
 * Browser-safe (no Node built-ins): `performance.now()` only.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One kernel's total over the profiled span. */
export interface KernelProfileRow {
  /** tfjs kernel name (`Conv2D`, `LipnetPairSortGrad`, …), followed by the input shapes with `byShape`. */
  kernel: string;
  /** Number of calls. */
  calls: number;
  /** Exclusive wall time, ms. */
  ms: number;
}

let active: KernelProfile | undefined;

/** A running per-kernel profile of one backend; create with {@link KernelProfile.start}. */
export class KernelProfile {
  private readonly totals = new Map<string, { calls: number; ms: number }>();
  private readonly wrapped: tf.KernelConfig[] = [];
  /** Time of nested kernel calls, per open call (subtracted from the caller). */
  private readonly childMs: number[] = [];
  private stopped = false;

  private constructor(
    readonly backendName: string,
    private readonly byShape: boolean,
  ) {}

  /**
   * Starts profiling every kernel registered for `backendName` (default: the
   * active backend); with `byShape`, calls are totalled per kernel and input
   * shapes (`Conv2D x[1024,28,28,1] filter[3,3,1,16]`). Only one profile runs
   * at a time: starting a second one before stopping the first throws.
   */
  static start(backendName: string = tf.getBackend(), opts: { byShape?: boolean } = {}): KernelProfile {
    if (active) {
      throw new Error(
        `KernelProfile.start: a profile of '${active.backendName}' is running. Call stop() on it before starting another.`,
      );
    }
    const profile = new KernelProfile(backendName, opts.byShape ?? false);
    for (const cfg of tf.getKernelsForBackend(backendName)) profile.wrap(cfg);
    active = profile;
    return profile;
  }

  private wrap(cfg: tf.KernelConfig): void {
    const inner = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, cfg.backendName);
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        this.childMs.push(0);
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          const total = performance.now() - t0;
          const nested = this.childMs.pop()!;
          if (this.childMs.length > 0) this.childMs[this.childMs.length - 1]! += total;
          const key = this.byShape ? `${cfg.kernelName} ${shapesOf(args.inputs)}` : cfg.kernelName;
          const row = this.totals.get(key) ?? { calls: 0, ms: 0 };
          row.calls += 1;
          row.ms += total - nested;
          this.totals.set(key, row);
        }
      },
    });
    this.wrapped.push(cfg);
  }

  /** Clears the totals so far (e.g. after a warm-up), keeping the profile running. */
  reset(): void {
    this.totals.clear();
  }

  /** Restores the original kernels and returns the totals, slowest first. Idempotent. */
  stop(): KernelProfileRow[] {
    if (!this.stopped) {
      for (const cfg of this.wrapped) {
        tf.unregisterKernel(cfg.kernelName, cfg.backendName);
        tf.registerKernel(cfg);
      }
      this.stopped = true;
      if (active === this) active = undefined;
    }
    return this.rows();
  }

  /** The totals so far, slowest first. */
  rows(): KernelProfileRow[] {
    return [...this.totals.entries()]
      .map(([kernel, r]) => ({ kernel, calls: r.calls, ms: r.ms }))
      .sort((a, b) => b.ms - a.ms);
  }
}

function shapesOf(inputs: tf.NamedTensorInfoMap): string {
  return Object.entries(inputs)
    .map(([name, t]) => `${name}[${t ? t.shape.join(',') : ''}]`)
    .join(' ');
}
