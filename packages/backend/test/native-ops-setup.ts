import * as tf from '@tensorflow/tfjs-core';
import { fusedOpsFile, nativeOpsLoaded, registerNativeFusedOps, selectBackend, unregisterNativeFusedOps } from '../src';
import { tfjsNodeDir } from './graph-test-layers';

/**
 * For the tests of lipnet's native ops: selects the 'tensorflow' backend and registers lipnet's
 * fused ops when this machine has a native build whose lipnet_ops.node exports every op of `ops`;
 * resolves whether it did (false: the test file skips its cases, nothing left registered). Undo
 * with {@link releaseNativeOps}.
 */
export async function useNativeOps(ops: readonly string[] = []): Promise<boolean> {
  const dir = tfjsNodeDir();
  if (!dir || !fusedOpsFile(dir)) return false;
  const native = await selectBackend({ prefer: 'tensorflow', log: null }).then(
    () => true,
    () => false,
  );
  if (!native || !registerNativeFusedOps(dir).registered) return false;
  if (ops.every((op) => nativeOpsLoaded().has(op))) return true;
  await releaseNativeOps();
  return false;
}

/** Unregisters the fused ops and returns to the 'cpu' backend (after {@link useNativeOps} resolved true). */
export async function releaseNativeOps(): Promise<void> {
  unregisterNativeFusedOps();
  await tf.setBackend('cpu');
}

/** n seeded uniform values in [−a, a) (a Lehmer generator: the same on every machine). */
export function seededValues(n: number, a: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 * a - a);
}

/** The message `run` throws inside a tidy ('' when it runs), checking that no tensor is left behind. */
export function refusalOf(run: () => void): string {
  const before = tf.memory().numTensors;
  let message = '';
  tf.tidy(() => {
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
  });
  expect(tf.memory().numTensors).toBe(before);
  return message;
}
