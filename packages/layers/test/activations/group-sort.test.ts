import { LipnetError } from '@lipnet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  expectNoLeakedTensors,
  expectTensorsClose,
  finiteDifferenceGradient,
  saveLoadRoundTrip,
} from '@lipnet/test-utils';
import {
  FullSort,
  GroupSort,
  GroupSort2,
  fullSort,
  groupSort,
  groupSort2,
  groupSortTensor,
} from '../../src/activations';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { attackPairRatio, fixtureCases, jacobianNorm, maxPairRatio, randn, toTensor } from './probe';

/** Independent reference: sort each group of n adjacent entries of each row (plain JS). */
function jsGroupSort(values: number[], c: number, n: number, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / c; r++) {
    for (let g = 0; g < c / n; g++) {
      const grp = values.slice(r * c + g * n, r * c + (g + 1) * n).sort((a, b) => a - b);
      out.push(...grp.map((v) => Math.fround(v * k)));
    }
  }
  return out;
}

/**
 * Independent reference of the input gradient J^T w of k·sort_n at x (plain JS): each group
 * is argsorted stably (ties keep their input order), output j reads input perm[j], so
 * dx[perm[j]] = k·w[j]. Every w is routed to exactly one input, ties included.
 */
function jsGroupSortGrad(values: number[], w: number[], c: number, n: number, k: number): number[] {
  const dx = new Array<number>(values.length).fill(0);
  for (let base = 0; base < values.length; base += n) {
    const perm = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[base + i]! - values[base + j]!); // stable
    perm.forEach((src, j) => (dx[base + src] = Math.fround(k * w[base + j]!)));
  }
  expect(c % n).toBe(0);
  return dx;
}

describe('GroupSort', () => {
  it('sorts adjacent pairs, groups of n and the whole axis (closed forms)', () => {
    const x = tf.tensor2d([[3, 1, -2, 5, 0, 0]]);
    expectTensorsClose(groupSort({ n: 2 }).apply(x) as tf.Tensor, [[1, 3, -2, 5, 0, 0]]);
    expectTensorsClose(groupSort({ n: 3 }).apply(x) as tf.Tensor, [[-2, 1, 3, 0, 0, 5]]);
    expectTensorsClose(groupSort({ n: 6 }).apply(x) as tf.Tensor, [[-2, 0, 0, 1, 3, 5]]);
    expectTensorsClose(groupSort({ n: null }).apply(x) as tf.Tensor, [[-2, 0, 0, 1, 3, 5]]);
    expectTensorsClose(groupSort({ n: 7 }).apply(x) as tf.Tensor, [[-2, 0, 0, 1, 3, 5]]); // n > C: full sort
    expectTensorsClose(groupSort({ n: 1 }).apply(x) as tf.Tensor, [[3, 1, -2, 5, 0, 0]]);
    expectTensorsClose(groupSort({ n: 2, kCoefLip: 2 }).apply(x) as tf.Tensor, [[2, 6, -4, 10, 0, 0]]);
    expectTensorsClose(groupSort2().apply(x) as tf.Tensor, [[1, 3, -2, 5, 0, 0]]);
    expectTensorsClose(fullSort({ kCoefLip: 0.5 }).apply(x) as tf.Tensor, [[-1, 0, 0, 0.5, 1.5, 2.5]]);
  });

  it('sorts along the channel axis of images, pixel by pixel (vs a JS sort)', () => {
    const vals = randn(2 * 3 * 3 * 12, 1).map(Math.fround);
    const x = tf.tensor4d(vals, [2, 3, 3, 12]);
    for (const n of [2, 3, 4, 12]) {
      for (const k of [1, 1.5]) {
        const y = groupSort({ n, kCoefLip: k }).apply(x) as tf.Tensor;
        expect(y.shape).toEqual([2, 3, 3, 12]);
        expectTensorsClose(y, jsGroupSort(vals, 12, n, k), { atol: 0, rtol: 0 }); // bit-exact
      }
    }
  });

  it('matches deel-lip 1.5.0 GroupSort / GroupSort2 / FullSort on the fixture (incl. ties)', () => {
    const cases = [...fixtureCases('GroupSort'), ...fixtureCases('GroupSort2'), ...fixtureCases('FullSort')];
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const c of cases) {
      const k = c.config['kCoefLip'] as number;
      const layer =
        c.layer === 'GroupSort2'
          ? new GroupSort2({ kCoefLip: k })
          : c.layer === 'FullSort'
            ? new FullSort({ kCoefLip: k })
            : new GroupSort({ n: c.config['n'] as number | null, kCoefLip: k });
      expectTensorsClose(layer.apply(toTensor(c.input)) as tf.Tensor, toTensor(c.output), { atol: 1e-6, rtol: 0 });
    }
  });

  it('input gradients equal central finite differences (n = 2, 3, full)', () => {
    const vals = randn(2 * 6, 3).map((v, i) => v + 0.01 * i); // distinct values: f is smooth here
    const w = randn(2 * 6, 4);
    for (const n of [2, 3, null]) {
      const layer = groupSort({ n, kCoefLip: 1.5 });
      const loss = (x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor2d(w, [2, 6])));
      const g = tf.grad(loss)(tf.tensor2d(vals, [2, 6]));
      const fd = finiteDifferenceGradient(
        (v) => tf.tidy(() => loss(tf.tensor2d(Array.from(v), [2, 6])).dataSync()[0]!),
        vals,
        1e-3,
      );
      expectTensorsClose(g, Array.from(fd), { atol: 2e-3, rtol: 1e-3 });
      // The Jacobian is k times a permutation: the gradient is a permutation of k·w.
      const byValue = (a: number, b: number) => a - b;
      expectTensorsClose(
        Array.from(g.dataSync())
          .map((v) => Math.abs(v))
          .sort(byValue),
        w.map((v) => Math.abs(v * 1.5)).sort(byValue),
        { atol: 1e-6, rtol: 1e-6 },
      );
    }
  });

  it('n = 2 fast path equals a JS sort, forward and gradient, with ties, ±0, huge and subnormal values; the general path (n = 3) follows the same tie rule', () => {
    const c = 12;
    const special = [0, -0, 2e38, -2e38, 1e-45, -1e-45, 2.5, 2.5];
    // Values on a coarse grid (many ties inside pairs), then a row of special values and exact-tie pairs.
    const vals = [
      ...randn(2 * 3 * 3 * c - 3 * c, 41).map((v) => Math.round(2 * v) / 2),
      ...special,
      ...special.slice().reverse(),
      ...special.slice(2, 6),
      ...[1, 1, -2, -2, 0, 0, 7, 7, -0, 0, 0, -0, -2e38, 2e38, -0, -0],
    ].map(Math.fround);
    expect(vals.length).toBe(2 * 3 * 3 * c);
    const w = randn(vals.length, 42).map(Math.fround);
    let tiedPairs = 0;
    for (let i = 0; i < vals.length; i += 2) if (vals[i] === vals[i + 1]) tiedPairs++;
    expect(tiedPairs).toBeGreaterThan(20);
    for (const n of [2, 3]) {
      for (const k of [1, 1.5]) {
        const layer = groupSort({ n, kCoefLip: k });
        const x = tf.tensor4d(vals, [2, 3, 3, c]);
        expectTensorsClose(layer.apply(x) as tf.Tensor, jsGroupSort(vals, c, n, k), { atol: 0, rtol: 0 });
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(layer.apply(z) as tf.Tensor, tf.tensor4d(w, [2, 3, 3, c]))))(
          x,
        );
        expectTensorsClose(g, jsGroupSortGrad(vals, w, c, n, k), { atol: 0, rtol: 0 });
      }
    }
    // Layer, pure function and GroupSort2 agree on the fast path.
    const x2 = tf.tensor2d(vals.slice(0, 4 * c), [4, c]);
    expectTensorsClose(groupSortTensor(x2, 2, 2), groupSort2({ kCoefLip: 2 }).apply(x2) as tf.Tensor, {
      atol: 0,
      rtol: 0,
    });
    expect(() => groupSortTensor(tf.zeros([2, 5]), 2)).toThrow(
      /groupSortTensor: expected `n` to be a positive integer dividing the last dimension 5, got 2\./,
    );
  });

  it('is norm preserving and exactly kCoefLip-Lipschitz (Jacobian SVD, random and attacked pairs)', () => {
    for (const [n, k] of [
      [2, 1],
      [3, 0.7],
      [null, 2],
    ] as const) {
      const layer = groupSort({ n, kCoefLip: k });
      const f = (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
      const x = tf.tensor2d(randn(8 * 12, 5), [8, 12]);
      const normsIn = tf.norm(x, 'euclidean', 1).dataSync();
      const normsOut = tf.norm(f(x), 'euclidean', 1).dataSync();
      normsIn.forEach((v, i) => expect(normsOut[i]).toBeCloseTo(k * v, 5));
      for (let p = 0; p < 5; p++) {
        const { norm } = jacobianNorm(f, tf.tensor2d(randn(12, 10 + p), [1, 12]));
        expect(Math.abs(norm - k)).toBeLessThan(1e-5 * k);
      }
      expect(maxPairRatio(f, [12], 200, 11)).toBeLessThanOrEqual(k * (1 + 1e-5));
      const attacked = attackPairRatio(f, [12], 8, 30, 12);
      expect(attacked).toBeLessThanOrEqual(k * (1 + 1e-5));
      expect(attacked).toBeGreaterThan(k * 0.99); // the bound is attained
      expect(layer.lipschitzBound()).toBe(k);
    }
  });

  it('implements the LipschitzLayer contract', () => {
    const layer = groupSort({ n: 2 });
    expect(isLipschitzLayer(layer)).toBe(true);
    layer.setKCoefLip(3);
    expect(layer.kCoefLip).toBe(3);
    expectTensorsClose(layer.apply(tf.tensor2d([[2, 1]])) as tf.Tensor, [[3, 6]]);
    expect(GroupSort.lipschitzBoundFromConfig(layer.getConfig())).toBe(3);
    expect(() => layer.setKCoefLip(0)).toThrow(/GroupSort: expected `kCoefLip` to be a finite number > 0, got 0\./);
  });

  it('saves and reloads inside a model (GroupSort, GroupSort2, FullSort)', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 12, inputShape: [5] }),
        groupSort({ n: 3, kCoefLip: 2 }),
        groupSort2(),
        fullSort({ kCoefLip: 0.5 }),
        groupSort({}),
      ],
    });
    const x = tf.tensor2d(randn(4 * 5, 21), [4, 5]);
    const loaded = await saveLoadRoundTrip(model);
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    const names = loaded.layers.map((l) => l.getClassName());
    expect(names).toEqual(['Dense', 'GroupSort', 'GroupSort2', 'FullSort', 'GroupSort']);
    expect(loaded.layers[1]!.getConfig()).toMatchObject({ n: 3, kCoefLip: 2, dataFormat: 'channelsLast' });
    expect(loaded.layers[2]!.getConfig()['n']).toBeUndefined();
    expect(loaded.layers[4]!.getConfig()).toMatchObject({ n: null, kCoefLip: 1 });
  });

  it('does not leak tensors in predict or in a gradient step', async () => {
    const layer = groupSort({ n: 3, kCoefLip: 2 });
    const x = tf.tensor2d(randn(4 * 6, 30), [4, 6]);
    await expectNoLeakedTensors(() => layer.apply(x));
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(tf.square(layer.apply(z) as tf.Tensor)))(x));
    const l2 = groupSort({ n: 2 });
    await expectNoLeakedTensors(() => l2.apply(x));
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(tf.square(l2.apply(z) as tf.Tensor)))(x));
  });

  it('rejects bad configurations with an error naming the argument, the value and the fix', () => {
    const x = tf.zeros([1, 6]);
    expect(() => groupSort({ n: 4 }).apply(x)).toThrow(
      /GroupSort: expected `n` to divide the channel count 6, got 4\. Pass a divisor of 6 \(1, 2, 3, 6\) or n: null/,
    );
    expect(() => tfl.sequential({ layers: [groupSort2({ inputShape: [5] })] })).toThrow(
      /GroupSort2: expected `n` to divide the channel count 5, got 2/,
    );
    expect(() => groupSort({ n: 0 })).toThrow(/GroupSort: expected `n` to be a positive integer or null, got 0\./);
    expect(() => groupSort({ n: 2.5 })).toThrow(/`n`.*got 2\.5/);
    expect(() => groupSort({ dataFormat: 'channelsFirst' as 'channelsLast' })).toThrow(
      /GroupSort: expected `dataFormat` 'channelsLast', got 'channelsFirst'\. channelsFirst is not supported/,
    );
    expect(() => groupSort({ kCoefLip: -1 })).toThrow(/GroupSort: expected `kCoefLip`.*got -1\./);
    expect(() => new GroupSort2({ n: 3 } as never)).toThrow(/GroupSort2: expected no `n` \(it is always 2\), got 3/);
    expect(() => new FullSort({ n: 3 } as never)).toThrow(/FullSort: expected no `n`/);
    try {
      groupSort({ n: -3 });
    } catch (e) {
      expect(e).toBeInstanceOf(LipnetError);
      expect((e as Error).name).toMatch(/^Lipnet(Option|Input)Error$/);
    }
  });
});
