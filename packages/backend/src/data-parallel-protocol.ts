/**
 * The shared-memory handshake between {@link DataParallelTrainer} and its
 * workers: per step, a SharedArrayBuffer holds an Int32 control word at byte 0
 * and then ∂L/∂P for the whole batch (float32, row-major). A worker waits on
 * the control word with `Atomics.wait` inside its gradient tape.
 */

/** Control word: the main thread has not answered yet. */
export const AWAITING_GRADIENT = 0;
/** Control word: ∂L/∂P is written; workers differentiate Σ P ⊙ G. */
export const GRADIENT_READY = 1;
/** Control word: the main thread failed (e.g. the loss threw); workers abandon the step. */
export const STEP_ABORTED = 2;
/** Byte offset of G in the step's shared buffer. */
export const GRADIENT_BYTE_OFFSET = 4;
/** How long a worker waits for G before it gives up (ms): the main thread died or hung. */
export const GRADIENT_WAIT_MS = 30 * 60 * 1000;
