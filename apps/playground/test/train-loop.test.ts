/** The page's training loop on the cpu backend: the loss falls, nothing leaks, Stop stops. */
import * as tf from '@tensorflow/tfjs-core';
import type { PackedImages } from '../src/data/packed-images';
import { browserLoss, buildBrowserModel } from '../src/train/browser-model';
import { trainLive, type StepLog } from '../src/train/train-loop';
import { loadTestImages } from './node-reference';

function subset(p: PackedImages, n: number): PackedImages {
  return { ...p, n, labels: p.labels.slice(0, n), pixels: p.pixels.slice(0, n * 784) };
}

describe('trainLive', () => {
  const data = loadTestImages(); // 500 shipped test images: enough to see the loss fall
  const train = subset(data, 256);
  const val = subset(data, 100);

  test('lowers the loss of the dense Lipschitz net and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const model = buildBrowserModel('dense');
    const steps: StepLog[] = [];
    const summary = await trainLive(
      model,
      browserLoss(),
      train,
      val,
      { epochs: 2, batchSize: 64, learningRate: 3e-3, seed: 1 },
      {
        onStep: (s) => steps.push(s),
      },
    );
    expect(summary.tensorGrowth).toBe(0);
    expect(summary.steps).toBe(8);
    expect(summary.epochs).toHaveLength(2);
    expect(summary.epochs[1]!.loss).toBeLessThan(summary.epochs[0]!.loss);
    const mean = (a: StepLog[]) => a.reduce((s, v) => s + v.loss, 0) / a.length;
    expect(mean(steps.slice(-2))).toBeLessThan(0.8 * mean(steps.slice(0, 2)));
    expect(steps.every((s) => Number.isFinite(s.loss) && s.imagesPerSecond > 0)).toBe(true);
    model.dispose();
    // What the first step built lazily belongs to the model and goes with it.
    expect(tf.memory().numTensors).toBe(before);
  });

  test('stops between two steps when the signal aborts', async () => {
    const model = buildBrowserModel('dense');
    const controller = new AbortController();
    const summary = await trainLive(
      model,
      browserLoss(),
      train,
      val,
      { epochs: 5, batchSize: 32, learningRate: 1e-3, seed: 2 },
      {
        signal: controller.signal,
        onStep: (s) => s.globalStep === 2 && controller.abort(),
      },
    );
    expect(summary).toMatchObject({ steps: 2, stopped: true, epochs: [] });
    model.dispose();
  });

  test('rejects settings it cannot use, naming them', async () => {
    const model = buildBrowserModel('dense');
    const run = (s: Partial<Parameters<typeof trainLive>[4]>) =>
      trainLive(model, browserLoss(), train, val, { epochs: 1, batchSize: 32, learningRate: 1e-3, seed: 1, ...s });
    await expect(run({ epochs: 0 })).rejects.toThrow(/`epochs` to be a positive integer, got 0/);
    await expect(run({ batchSize: 2.5 })).rejects.toThrow(/`batchSize`/);
    await expect(run({ learningRate: -1 })).rejects.toThrow(/`learningRate` > 0, got -1/);
    expect(() => buildBrowserModel('resnet' as 'dense')).toThrow(
      /unknown architecture 'resnet'; use one of dense, conv/,
    );
    model.dispose();
  });
});
