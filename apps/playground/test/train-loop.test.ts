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
  const val = data;

  test('lowers the loss of the dense Lipschitz net and leaves no tensor behind', async () => {
    const model = buildBrowserModel('dense');
    const before = tf.memory().numTensors;
    const steps: StepLog[] = [];
    const summary = await trainLive(
      model,
      browserLoss(),
      train,
      val,
      { epochs: 3, batchSize: 32, learningRate: 1e-3, seed: 1 },
      {
        onStep: (s) => steps.push(s),
      },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.steps).toBe(24);
    expect(summary.epochs).toHaveLength(3);
    expect(summary.epochs[2]!.loss).toBeLessThan(0.8 * summary.epochs[0]!.loss);
    expect(summary.epochs[2]!.valAccuracy).toBeGreaterThan(0.4); // 10 classes: chance is 0.1
    expect(steps.every((s) => Number.isFinite(s.loss) && s.imagesPerSecond > 0)).toBe(true);
    model.dispose();
  });

  test('stops between two steps when the signal aborts', async () => {
    const model = buildBrowserModel('conv');
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
