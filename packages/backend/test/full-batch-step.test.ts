/**
 * The one full-batch step (`fullBatchStep` over a `LogitsPass`, `tapeStep` on
 * the optimizer's tape): chunked logits give the tape's step, a per-sample loss
 * is reduced by its mean on every route, a failing loss updates nothing and
 * leaks nothing.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { BatchObjective, MicroBatchPass, fullBatchStep, tapeStep, type LogitsPass } from '../src';
import { expectRelClose, randomArray } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS model module the workers load by path
const { createModel } = require(path.join(__dirname, 'fixtures', 'small-model.js')) as {
  createModel: () => import('@tensorflow/tfjs-layers').LayersModel;
};

const BATCH = 7;
const x = tf.tensor4d(randomArray(BATCH * 64, 5), [BATCH, 8, 8, 1]);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => i % 3),
    'int32',
  ),
  3,
);
/** Batch statistics: the logits' range over the batch (not a mean of per-sample terms). */
const batchStat = (t: tf.Tensor, p: tf.Tensor): tf.Tensor =>
  tf.add(tf.losses.softmaxCrossEntropy(t, p), tf.mean(tf.sub(tf.max(p, 0), tf.min(p, 0))));
/** Per-sample values (shape [batch]): reduced by their mean. */
const perSample = (t: tf.Tensor, p: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.sub(t, p)), -1);
const asArr = (t: tf.Tensor) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape.slice() });
const vars = (m: ReturnType<typeof createModel>) => m.trainableWeights.map((w) => w.read() as tf.Variable);

async function stepBoth(loss: (t: tf.Tensor, p: tf.Tensor) => tf.Tensor) {
  const a = createModel();
  const b = createModel();
  const optA = tf.train.sgd(0.1);
  const optB = tf.train.sgd(0.1);
  const tape = await tapeStep(() => a.apply(x, { training: true }) as tf.Tensor, vars(a), y, optA, loss, [perSample]);
  const chunked = await fullBatchStep(new MicroBatchPass(b, x, 3), y, optB, loss, [perSample]);
  return { a, b, tape, chunked: chunked.values };
}

test('chunks of 3 of a batch of 7 give the tape step of a batch-statistics loss', async () => {
  const { a, b, tape, chunked } = await stepBoth(batchStat);
  expect(chunked[0]).toBeCloseTo(tape[0]!, 5);
  a.getWeights().forEach((w, i) => expectRelClose(asArr(b.getWeights()[i]!), asArr(w), 1e-5));
  // the step moved the weights
  const moved = tf.tidy(
    () => tf.max(tf.abs(tf.sub(createModel().getWeights()[0]!, a.getWeights()[0]!))).dataSync()[0]!,
  );
  expect(moved).toBeGreaterThan(1e-4);
});

test('a per-sample loss is reduced by its mean (the same step as its tf.mean)', async () => {
  const { a, b, tape, chunked } = await stepBoth(perSample);
  const ref = createModel();
  const refOpt = tf.train.sgd(0.1);
  const mean = (t: tf.Tensor, p: tf.Tensor) => tf.mean(perSample(t, p));
  const refValues = await tapeStep(() => ref.apply(x, { training: true }) as tf.Tensor, vars(ref), y, refOpt, mean);
  expect(tape[0]).toBeCloseTo(refValues[0]!, 6);
  expect(chunked[0]).toBeCloseTo(refValues[0]!, 5);
  expect(tape[1]).toBeCloseTo(refValues[0]!, 6); // the metric is the same per-sample function, reduced the same way
  ref.getWeights().forEach((w, i) => {
    expectRelClose(asArr(a.getWeights()[i]!), asArr(w), 1e-6);
    expectRelClose(asArr(b.getWeights()[i]!), asArr(w), 1e-5);
  });
});

test('a loss that throws: the pass is aborted, nothing is updated, nothing leaks', async () => {
  const m = createModel();
  const opt = tf.train.sgd(0.1);
  const before = m.getWeights().map(asArr);
  let aborted = 0;
  const inner = new MicroBatchPass(m, x, 4);
  const pass: LogitsPass = {
    forward: () => inner.forward(),
    backward: (g) => inner.backward(g),
    abort: () => {
      aborted += 1;
      return Promise.resolve();
    },
  };
  const bad = (): tf.Tensor => {
    throw new Error('loss exploded');
  };
  let calls = 0;
  await expectNoLeakedTensors(async () => {
    calls += 1;
    await expect(fullBatchStep(pass, y, opt, bad)).rejects.toThrow('loss exploded');
  });
  expect(aborted).toBe(calls); // once per failed step
  expect(calls).toBeGreaterThan(0);
  m.getWeights().forEach((w, i) => expect(asArr(w)).toEqual(before[i]));
});

test('steps leak nothing once the optimizer has its state', async () => {
  const m = createModel();
  const opt = tf.train.adam(0.01);
  const step = async () => {
    await fullBatchStep(new MicroBatchPass(m, x, 2), y, opt, batchStat, [perSample]);
    await tapeStep(() => m.apply(x, { training: true }) as tf.Tensor, vars(m), y, opt, batchStat);
  };
  await step();
  await expectNoLeakedTensors(step);
});

test('BatchObjective.values before any call, and a bad chunk size, say what to do', async () => {
  await expect(new BatchObjective(y, batchStat).values()).rejects.toThrow(/lossOf was never called/);
  expect(() => new MicroBatchPass(createModel(), x, 0)).toThrow(/`chunk` to be an integer ≥ 1, got 0/);
});
