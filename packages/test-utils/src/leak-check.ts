import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` once to warm up (lazy weights, caches), then `repeats` more times,
 * and throws when `tf.memory().numTensors` grew between the warm-up and the end.
 * Returns the number of tensors alive after the last run. Async functions are awaited.
 */
export async function expectNoLeakedTensors(fn: () => unknown, repeats = 3): Promise<number> {
  const dispose = (r: unknown) => {
    if (r instanceof tf.Tensor) r.dispose();
    else if (Array.isArray(r)) r.forEach((x) => x instanceof tf.Tensor && x.dispose());
  };
  dispose(await fn());
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) dispose(await fn());
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(
      `expectNoLeakedTensors: ${after - before} tensors leaked over ${repeats} runs (${before} → ${after})`,
    );
  }
  return after;
}
