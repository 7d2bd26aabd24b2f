import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link expectTensorsClose}. */
export interface CloseOptions {
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance, scaled by |expected| (default 1e-5). */
  rtol?: number;
}

type Numeric = tf.Tensor | number | number[] | number[][] | number[][][] | number[][][][] | Float32Array;

function toFlat(x: Numeric): { values: ArrayLike<number>; shape: number[] } {
  if (x instanceof tf.Tensor) return { values: x.dataSync(), shape: x.shape };
  if (typeof x === 'number') return { values: [x], shape: [] };
  if (x instanceof Float32Array) return { values: x, shape: [x.length] };
  const t = tf.tensor(x);
  const out = { values: t.dataSync(), shape: t.shape };
  t.dispose();
  return out;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, with equal
 * shapes when both are tensors. The failure message names the first offending
 * flat index, both values and the largest error, as tfjs' `expectArraysClose` does.
 */
export function expectTensorsClose(actual: Numeric, expected: Numeric, opts: CloseOptions = {}): void {
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const a = toFlat(actual);
  const e = toFlat(expected);
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    if (a.shape.join(',') !== e.shape.join(',')) {
      throw new Error(
        `expectTensorsClose: shapes differ, actual [${a.shape.join(', ')}] vs expected [${e.shape.join(', ')}]`,
      );
    }
  }
  if (a.values.length !== e.values.length) {
    throw new Error(`expectTensorsClose: sizes differ, actual ${a.values.length} vs expected ${e.values.length}`);
  }
  let worst = -1;
  let worstErr = 0;
  let firstBad = -1;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i]!;
    const ev = e.values[i]!;
    const err = Math.abs(av - ev);
    const ok = err <= atol + rtol * Math.abs(ev) || (Number.isNaN(av) && Number.isNaN(ev));
    if (!ok && firstBad < 0) firstBad = i;
    if (!(err <= worstErr)) {
      worstErr = err;
      worst = i;
    }
  }
  if (firstBad >= 0) {
    throw new Error(
      `expectTensorsClose: element ${firstBad} is ${a.values[firstBad]}, expected ${e.values[firstBad]} ` +
        `(atol ${atol}, rtol ${rtol}); largest error ${worstErr} at element ${worst}`,
    );
  }
}
