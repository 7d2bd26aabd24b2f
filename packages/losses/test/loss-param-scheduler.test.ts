import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import {
  HKR,
  LossParamLog,
  LossParamScheduler,
  MulticlassHKR,
  TauCategoricalCrossentropy,
  interp,
  type LipschitzLoss,
} from '../src';

interface Arr {
  shape: number[];
  values: number[];
}
const fx = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'loss-param-scheduler-deel-lip.json'), 'utf8'),
) as {
  meta: { deelLip: string };
  x: Arr;
  y: Arr;
  kernel0: Arr;
  bias0: Arr;
  optimizer: { learningRate: number };
  fit: { batchSize: number; epochs: number };
  scheduler: { paramName: string; fp: number[]; xp: number[] };
  alphas: number[];
  stepAfter: number;
  epochLoss: number[];
  kernel: Arr;
  bias: Arr;
};
const t = (a: Arr) => tf.tensor(a.values, a.shape);

/** Records the loss parameter at each batch start, after the scheduler ran (deel-lip's fixture does the same). */
class Record extends tfl.Callback {
  readonly values: number[] = [];
  constructor(private readonly name: string) {
    super();
  }
  override onBatchBegin(): Promise<void> {
    this.values.push((this.model.loss as unknown as LipschitzLoss).getParam(this.name));
    return Promise.resolve();
  }
}

describe(`LossParamScheduler: parity with deel-lip ${fx.meta.deelLip}`, () => {
  it('drives HKR.alpha through a fit exactly as deel-lip: scheduled values, epoch losses and trained weights', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [4] })] });
    model.layers[0]!.setWeights([t(fx.kernel0), t(fx.bias0)]);
    model.compile({ optimizer: tf.train.sgd(fx.optimizer.learningRate), loss: HKR({ alpha: 1, minMargin: 1 }) });
    const sched = new LossParamScheduler({ paramName: 'alpha', fp: fx.scheduler.fp, xp: fx.scheduler.xp });
    const rec = new Record('alpha');
    const h = await model.fit(t(fx.x), t(fx.y), {
      batchSize: fx.fit.batchSize,
      epochs: fx.fit.epochs,
      shuffle: false,
      verbose: 0,
      callbacks: [sched, rec],
    });
    expectTensorsClose(rec.values, fx.alphas, { rtol: 1e-6 });
    expect(sched.getConfig().step).toBe(fx.stepAfter);
    expectTensorsClose(h.history['loss'] as number[], fx.epochLoss, { rtol: 1e-5 });
    const [k, b] = model.layers[0]!.getWeights();
    expectTensorsClose(k!, t(fx.kernel), { rtol: 1e-5 });
    expectTensorsClose(b!, t(fx.bias), { rtol: 1e-5 });
  });

  it('interp is numpy.interp: clamps outside xp, linear inside', () => {
    expect([-1, 0, 1.5, 3, 4.5, 6, 99].map((s) => interp(s, [0, 3, 6], [0, 10, 5]))).toEqual([0, 0, 5, 10, 7.5, 5, 5]);
    expect(interp(7, [2], [4])).toBe(4);
  });

  it('schedules minMargin and tau too, resumes from `step`, and refuses what it cannot drive', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] });
    const loss = MulticlassHKR({ alpha: 5, minMargin: 1 });
    model.compile({ optimizer: 'sgd', loss });
    const x = tf.randomNormal([4, 2]);
    const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), 'float32');
    const sched = new LossParamScheduler({ paramName: 'minMargin', xp: [0, 10], fp: [0.2, 1.2], step: 5 });
    await model.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0, callbacks: [sched] });
    expect(loss.getParam('minMargin')).toBeCloseTo(0.7, 6);
    expect(loss.getConfig()['minMargin']).toBeCloseTo(0.7, 6);
    const tau = TauCategoricalCrossentropy({ tau: 2 });
    tau.setParam('tau', 8);
    expect(tau.getParam('tau')).toBe(8);
    expect(() => tau.setParam('tau', -1)).toThrow(/`tau`/);
    expect(() => loss.setParam('beta', 1)).toThrow(/'alpha', 'minMargin'/);
    const bad = new LossParamScheduler({ paramName: 'tau', xp: [0], fp: [1] });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [bad] })).rejects.toThrow(
      /no schedulable parameter 'tau'/,
    );
    const plain = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] });
    plain.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(plain.fit(x, y, { epochs: 1, verbose: 0, callbacks: [sched] })).rejects.toThrow(/@lipnet loss/);
    expect(() => new LossParamScheduler({ paramName: 'alpha', xp: [0, 0], fp: [1, 2] })).toThrow(/strictly increasing/);
    expect(() => new LossParamScheduler({ paramName: 'alpha', xp: [0], fp: [1, 2] })).toThrow(/same length/);
  });
});

describe('LossParamLog', () => {
  it('reports the parameter every `rate` epochs', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: HKR({ alpha: 3 }) });
    const lines: string[] = [];
    const log = new LossParamLog({ paramName: 'alpha', rate: 2, log: (l) => lines.push(l) });
    await model.fit(tf.randomNormal([4, 2]), tf.tensor2d([[1], [0], [1], [0]]), {
      epochs: 5,
      verbose: 0,
      callbacks: [log],
    });
    expect(log.records.map((r) => r.epoch)).toEqual([0, 2, 4]);
    expect(lines).toEqual(['HKR alpha 3', 'HKR alpha 3', 'HKR alpha 3']);
    expect(log.getConfig()).toEqual({ paramName: 'alpha', rate: 2 });
    expect(() => new LossParamLog({ paramName: 'alpha', rate: 0 })).toThrow(/`rate`/);
  });
});
