/**
 * The app's one place that picks a TensorFlow.js backend (libraries never do).
 * Delegates to `@lipnet/backend`'s `selectBackend` when that package provides it;
 * otherwise falls back to the stock backends (wasm with lipnet's training kernels
 * when asked for, else cpu).
 */
import * as tf from '@tensorflow/tfjs-core';

/** What was chosen, for logs and results.json. */
export interface BackendChoice {
  /** `tf.getBackend()` after the choice. */
  name: string;
  /** How it was chosen (the lines the selector logged). */
  notes: string[];
}

type SelectBackend = (opts: { prefer?: string; log?: (line: string) => void }) => Promise<unknown>;

/**
 * Selects the backend: `requested` is `auto` or a name from `--backend`;
 * `LIPNET_BACKEND` overrides `auto`. Logs one line per backend skipped and one for the choice.
 */
export async function chooseBackend(requested: string, log: (line: string) => void = console.log): Promise<BackendChoice> {
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    log(line);
  };
  const envPref = process.env.LIPNET_BACKEND;
  const prefer = requested === 'auto' ? envPref || undefined : requested;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require('@lipnet/backend') as { selectBackend?: SelectBackend; registerWasmTrainingKernels?: () => unknown };
  if (typeof lib.selectBackend === 'function') {
    await lib.selectBackend({ prefer, log: note });
  } else if (prefer === 'wasm') {
    require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('demo4: the wasm backend failed to initialise.');
    if (typeof lib.registerWasmTrainingKernels === 'function') {
      lib.registerWasmTrainingKernels();
      note('backend: wasm with @lipnet/backend training kernels');
    } else note('backend: wasm (stock kernels)');
  } else {
    if (prefer && prefer !== 'cpu') note(`backend: ${prefer} is not available without @lipnet/backend's selectBackend; using cpu`);
    require('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    note('backend: cpu (pure JavaScript: slow for training)');
  }
  await tf.ready();
  return { name: tf.getBackend(), notes };
}
