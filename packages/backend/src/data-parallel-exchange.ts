/**
 * The shared memory through which {@link DataParallelTrainer} and its worker
 * threads exchange every array of a step (no copies through `postMessage`,
 * whose messages only signal):
 *
 * - the trainer's **exchange** buffer, allocated once: the model's weights
 *   (`model.weights` order, written by the main thread before each step), then
 *   each worker's gradients (`trainableWeights` order, written by the worker),
 *   then the non-trainable weights after a training call (written by worker 0);
 * - a **step** buffer, reused while the batch size allows: an Int32 control
 *   word (see data-parallel-protocol.ts), ∂L/∂P, the logits P and the input x,
 *   each for the whole batch, row-major, every worker at its shard's rows.
 */
import { GRADIENT_BYTE_OFFSET } from './data-parallel-protocol';

/** Float offsets and sizes of the exchange buffer's regions. */
export interface ExchangeLayout {
  /** Per weight (`model.weights` order): float offset and size. */
  weights: Array<{ offset: number; size: number }>;
  /** Per worker, per trainable weight (`trainableWeights` order): float offset. */
  grads: number[][];
  /** Per non-trainable weight (`nonTrainableWeights` order): float offset. */
  nonTrainable: number[];
  /** Total floats. */
  floats: number;
}

/** The layout for weights of `sizes` floats, of which `trainable` and `nonTrainable` are the sizes in those orders. */
export function exchangeLayout(
  sizes: number[],
  trainable: number[],
  nonTrainable: number[],
  workers: number,
): ExchangeLayout {
  let at = 0;
  const take = (size: number) => {
    const offset = at;
    at += size;
    return offset;
  };
  const weights = sizes.map((size) => ({ offset: take(size), size }));
  const grads = Array.from({ length: workers }, () => trainable.map(take));
  const nt = nonTrainable.map(take);
  return { weights, grads, nonTrainable: nt, floats: at };
}

/** Float views of `sab` at `offsets` with `sizes`. */
export function views(sab: SharedArrayBuffer, offsets: number[], sizes: number[]): Float32Array[] {
  return offsets.map((o, i) => new Float32Array(sab, 4 * o, sizes[i]));
}

/** The regions of a step buffer for `rows` samples, `inRow` input and `outRow` output floats per sample. */
export interface StepRegions {
  /** Byte offsets of G, P and x (G right after the control word). */
  g: number;
  p: number;
  x: number;
  bytes: number;
}

/** Where G, P and x sit in a step buffer. */
export function stepRegions(rows: number, inRow: number, outRow: number): StepRegions {
  const g = GRADIENT_BYTE_OFFSET;
  const p = g + 4 * rows * outRow;
  const x = p + 4 * rows * outRow;
  return { g, p, x, bytes: x + 4 * rows * inRow };
}

/**
 * A step buffer of at least `bytes`: `previous` when it is large enough (its
 * control word is the caller's to reset), else a new one.
 */
export function stepBuffer(previous: SharedArrayBuffer | undefined, bytes: number): SharedArrayBuffer {
  return previous && previous.byteLength >= bytes ? previous : new SharedArrayBuffer(bytes);
}
