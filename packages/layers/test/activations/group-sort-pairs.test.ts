import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, expectTensorsClose } from '@lipnet/test-utils';
import { LipnetOptionError } from '@lipnet/core';
import { groupSortTensor } from '../../src/activations';
import { pairSortPlan, sortPairsAscending, type PairSortPlan } from '../../src/activations/group-sort';
import { randn } from './probe';

/** Plain-JS reference: each pair sorted with Array.sort, and dx routed by that sort's (stable) permutation. */
function jsPairSort(x: number[], dy: number[]): { y: number[]; dx: number[] } {
  const y: number[] = [];
  const dx = new Array<number>(x.length).fill(0);
  for (let i = 0; i < x.length; i += 2) {
    const perm = [0, 1].sort((p, q) => x[i + p]! - x[i + q]!); // stable: a tie keeps (0, 1)
    perm.forEach((src, j) => {
      y.push(x[i + src]!);
      dx[i + src] = dy[i + j]!;
    });
  }
  return { y, dx };
}

/** Random pairs in three equal shares: a < b, a > b and a = b, on several scales (float32 values). */
function mixedPairs(pairs: number, seed: number): number[] {
  const r = randn(3 * pairs, seed);
  const out: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const a = Math.fround(r[3 * p]! * 10 ** Math.round(2 * r[3 * p + 2]!));
    const d = Math.fround(Math.abs(r[3 * p + 1]!) * Math.abs(a) * 2 ** -10 + 1e-30);
    const b = Math.fround(p % 3 === 0 ? a + d : p % 3 === 1 ? a - d : a);
    out.push(a, b);
  }
  return out;
}

const PLANS: PairSortPlan[] = (['select', 'masked'] as const).flatMap((method) =>
  [2, 4, 8].map((block) => ({ method, block })),
);

describe('GroupSort n = 2 pair sort (both plans)', () => {
  const c = 16;
  const rows = 3 * 25;
  const vals = mixedPairs((rows * c) / 2, 7);
  const w = randn(vals.length, 8).map(Math.fround);
  const ref = jsPairSort(vals, w);

  it('the random data has ascending, descending and tied pairs, and the reference is a sort', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < vals.length; i += 2) counts[vals[i]! < vals[i + 1]! ? 0 : vals[i]! > vals[i + 1]! ? 1 : 2]!++;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(190);
    for (let i = 0; i < vals.length; i += 2) expect(ref.y[i]!).toBeLessThanOrEqual(ref.y[i + 1]!);
  });

  it.each(PLANS)('plan %o: output and gradient equal the JS sort and its permutation exactly', (plan) => {
    const x = tf.tensor2d(vals, [rows, c]);
    const dy = tf.tensor2d(w, [rows, c]);
    expectTensorsClose(sortPairsAscending(x, plan), ref.y, { atol: 0, rtol: 0 });
    expectTensorsClose(tf.grad((z: tf.Tensor) => sortPairsAscending(z, plan))(x, dy), ref.dx, { atol: 0, rtol: 0 });
    // 4-D input, as after a convolution.
    const x4 = tf.reshape(x, [3, 5, 5, c]);
    expectTensorsClose(sortPairsAscending(x4, plan), ref.y, { atol: 0, rtol: 0 });
  });

  it('groupSortTensor(x, 2) uses pairSortPlan: masked on wasm, select elsewhere; block 2 on cpu, else the largest of 8, 4, 2 dividing C', () => {
    expect(pairSortPlan(16, 'wasm')).toEqual({ method: 'masked', block: 8 });
    expect(pairSortPlan(12, 'wasm')).toEqual({ method: 'masked', block: 4 });
    expect(pairSortPlan(6, 'tensorflow')).toEqual({ method: 'select', block: 2 });
    expect(pairSortPlan(32, 'tensorflow')).toEqual({ method: 'select', block: 8 });
    expect(pairSortPlan(32, 'cpu')).toEqual({ method: 'select', block: 2 });
    expect(pairSortPlan(32)).toEqual(pairSortPlan(32, tf.getBackend()));
    const x = tf.tensor2d(vals, [rows, c]);
    expectTensorsClose(
      groupSortTensor(x, 2, 1.5),
      ref.y.map((v) => Math.fround(1.5 * v)),
      { atol: 0, rtol: 0 },
    );
  });

  it.each([
    { method: 'select', block: 8 },
    { method: 'masked', block: 8 },
    { method: 'masked', block: 2 },
  ] as PairSortPlan[])(
    'plan %o: a ±Inf or NaN only spoils its own block (finite pairs there NaN, never a wrong number)',
    (plan) => {
      const finite = mixedPairs(16, 11);
      for (const bad of [Infinity, -Infinity, NaN]) {
        for (const pos of [0, 5, 10, 15]) {
          const row = finite.slice();
          row[pos] = bad;
          const x = tf.tensor2d(row, [2, 16]);
          const y = Array.from(sortPairsAscending(x, plan).dataSync());
          const dy = tf.tensor2d(w.slice(0, 32), [2, 16]);
          const dx = Array.from(
            tf
              .grad((z: tf.Tensor) => sortPairsAscending(z, plan))(x, dy)
              .dataSync(),
          );
          const r = jsPairSort(row, w.slice(0, 32));
          const blockStart = pos - (pos % plan.block);
          for (let i = 0; i < 32; i++) {
            const pairStart = i - (i % 2);
            if (i < blockStart || i >= blockStart + plan.block) {
              expect(y[i]).toBe(r.y[i]); // other blocks exact
              expect(dx[i]).toBe(r.dx[i]);
            } else if (pairStart !== pos - (pos % 2)) {
              expect(y[i]).toBeNaN(); // finite pair in the spoiled block: NaN, not an unsorted value
            } else if (Number.isNaN(bad)) {
              expect(y[i]).toBeNaN();
            } else if (!Number.isNaN(y[i])) {
              expect(y[i]).toBe(r.y[i]); // the ±Inf pair: NaN or its sorted value
            }
            // In the spoiled block, a gradient entry is NaN or one of the pair's dy.
            if (i >= blockStart && i < blockStart + plan.block && !Number.isNaN(dx[i])) {
              expect([w[pairStart], w[pairStart + 1]]).toContain(dx[i]);
            }
          }
        }
      }
    },
  );

  it('does not leak tensors with either plan, forward or gradient', async () => {
    const x = tf.tensor2d(vals.slice(0, 4 * c), [4, c]);
    for (const plan of PLANS) {
      await expectNoLeakedTensors(() => sortPairsAscending(x, plan));
      await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(tf.square(sortPairsAscending(z, plan))))(x));
    }
  });

  it('rejects a block that is not an even divisor of the channel count', () => {
    const x = tf.zeros([2, 12]);
    expect(() => sortPairsAscending(x, { method: 'masked', block: 8 })).toThrow(LipnetOptionError);
    expect(() => sortPairsAscending(x, { method: 'select', block: 3 })).toThrow(
      /sortPairsAscending: expected `plan.block` to be an even divisor of the last dimension 12, got 3\. Pass 2/,
    );
  });
});
