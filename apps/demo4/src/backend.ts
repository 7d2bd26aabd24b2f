/**
 * The app's one place that picks a TensorFlow.js backend (libraries never do):
 * `@lipnet/backend`'s `selectBackend` (tfjs-node-gpu, tfjs-node, wasm with
 * lipnet's training kernels, then cpu; `LIPNET_BACKEND` overrides `auto`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendUnavailableError,
  UnknownBackendError,
  selectBackend,
  type BackendChoice as LibChoice,
} from '@lipnet/backend';
import { Demo4Error } from './errors';

/** What was chosen, for logs and results.json. */
export interface BackendChoice {
  /** lipnet's backend name (`tensorflow`, `wasm`, `cpu`, …). */
  name: string;
  /** `tf.getBackend()` after the choice. */
  tfBackend: string;
  /** The npm package that provides it. */
  package: string;
  /** Why this one. */
  reason: string;
  /** Backends tried first and skipped, with the reason. */
  skipped: { name: string; reason: string }[];
}

/**
 * Selects the backend: `requested` is `auto` or a name from `--backend`. Logs one
 * line per backend skipped and one for the choice, then awaits `tf.ready()`.
 */
export async function chooseBackend(
  requested: string,
  log: (line: string) => void = console.log,
): Promise<BackendChoice> {
  let c: LibChoice;
  try {
    c = await selectBackend({ prefer: requested === 'auto' ? undefined : requested, log });
  } catch (e) {
    // A forced backend that cannot load (or an unknown name): the message names the
    // backend, the reason and the fix; no stack trace (exit code 7).
    if (e instanceof BackendUnavailableError || e instanceof UnknownBackendError)
      throw new Demo4Error(`demo4: ${e.message}`, 7);
    throw e;
  }
  await tf.ready();
  return {
    name: c.name,
    tfBackend: c.tfBackend,
    package: c.package,
    reason: c.reason,
    skipped: c.skipped.map((s) => ({ name: s.name, reason: s.reason })),
  };
}
