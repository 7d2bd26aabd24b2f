/**
 * demo4's attack split over wasm worker threads (attackInWorkers) is the one-thread attack: every
 * shard aborts early on the whole batch's loss, so the distances and adversarials match; an
 * interrupted split attack stops and leaves no worker; a worker's failure surfaces its message.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as WorkerThreads from 'worker_threads';
import { vanillaExport } from '@lipnet/layers';
import { buildHkrModel } from '../src/model/hkr-model';
import { attackImages, type AttackOptions } from '../src/robustness/attack';
import { planAttackWorkers } from '../src/training/workers';
import { ramp, useWasmWithLipnetKernels } from './wasm-backend';

useWasmWithLipnetKernels();

// Every worker started, until it exits (the module's Worker, spied on).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to spy on its Worker
const threads = require('worker_threads') as typeof WorkerThreads;
const live = new Set<WorkerThreads.Worker>();
const RealWorker = threads.Worker;
let started = 0;
jest.spyOn(threads, 'Worker').mockImplementation((script, options) => {
  const w = new RealWorker(script, options);
  started++;
  live.add(w);
  w.on('exit', () => live.delete(w));
  return w;
});

const quiet = { write: () => true };
let vanilla: ReturnType<typeof vanillaExport>;
let x: tf.Tensor;
let labels: number[];

beforeAll(async () => {
  const model = buildHkrModel(5);
  vanilla = vanillaExport(model);
  model.dispose();
  x = tf.tensor4d(ramp(5 * 28 * 28, 41), [5, 28, 28, 1]);
  labels = Array.from(await tf.tidy(() => tf.argMax(vanilla.predict(x) as tf.Tensor, 1)).data());
});
afterAll(() => {
  x.dispose();
  vanilla.dispose();
});

const attack = (o: Partial<AttackOptions> = {}) =>
  attackImages(vanilla, x, labels, [0, 0, 0, 0, 0], { binarySearchSteps: 6, steps: 60, sink: quiet, ...o });

test('on 2 workers the attack gives the one-thread distances and adversarials (to 1e-6: the shards round per-image kernels apart by ~1 ulp)', async () => {
  const before = tf.memory().numTensors;
  const one = await attack();
  const startedBefore = started;
  const two = await attack({ split: { workers: 2, backend: 'wasm' } });
  expect(started - startedBefore).toBe(2);
  expect(live.size).toBe(0);
  expect(tf.memory().numTensors).toBe(before);
  expect(one.success).toEqual([true, true, true, true, true]); // found: the distances say how far the attack got
  expect(two.success).toEqual(one.success);
  expect(two.adversarialLabels).toEqual(one.adversarialLabels);
  two.distances.forEach((d, i) => expect(Math.abs(d - one.distances[i]!)).toBeLessThanOrEqual(1e-6));
  two.adversarials.forEach((a, i) =>
    a.forEach((v, j) => expect(Math.abs(v - one.adversarials[i]![j]!)).toBeLessThanOrEqual(1e-6)),
  );
  expect(two.check).toEqual(one.check);
}, 120_000);

test('an interrupted split attack stops, says so, and leaves no worker', async () => {
  let polls = 0;
  const signal = {
    get aborted() {
      return ++polls > 20; // ~1 s in: the workers are attacking
    },
  };
  const startedBefore = started;
  const t0 = performance.now();
  const r = await attack({ steps: 100_000, split: { workers: 2, backend: 'wasm' }, signal });
  expect(performance.now() - t0).toBeLessThan(30_000);
  expect(started - startedBefore).toBe(2);
  expect(live.size).toBe(0);
  expect(r.attack.stoppedEarly).toBe(true);
  expect(r.success).toEqual([false, false, false, false, false]);
}, 60_000);

test("a worker's failure rejects with its message and leaves no worker", async () => {
  await expect(attack({ split: { workers: 3, backend: 'no-such-backend' } })).rejects.toThrow(
    /demo4: the attack on worker thread \d of 3 failed: .*no-such-backend/,
  );
  expect(live.size).toBe(0);
  // One shard fails (a label out of range) while the other waits for its loss at the first check.
  const bad = [...labels.slice(0, 4), 99];
  await expect(
    attackImages(vanilla, x, bad, [0, 0, 0, 0, 0], {
      binarySearchSteps: 6,
      steps: 60,
      sink: quiet,
      split: { workers: 2, backend: 'wasm' },
    }),
  ).rejects.toThrow(
    /demo4: the attack on worker thread 2 of 2 failed: L2CarliniWagnerAttack: expected `labels` to hold class indices < 10/,
  );
  expect(live.size).toBe(0);
});

test('the attack is split on wasm only, over the training workers, at most one per image', () => {
  const wasm = { tfBackend: 'wasm', name: 'wasm' };
  expect(planAttackWorkers({ batchSize: 4096 }, wasm, 10, 2)).toEqual({ workers: 2, backend: 'wasm' });
  expect(planAttackWorkers({ batchSize: 4096, workers: 4 }, wasm, 3, 2)).toEqual({ workers: 3, backend: 'wasm' });
  expect(planAttackWorkers({ batchSize: 4096, workers: 1 }, wasm, 10, 2)).toBeNull();
  expect(planAttackWorkers({ batchSize: 4096 }, wasm, 10, 1)).toBeNull();
  expect(
    planAttackWorkers({ batchSize: 4096, workers: 4 }, { tfBackend: 'tensorflow', name: 'tensorflow' }, 10, 2),
  ).toBeNull();
});
