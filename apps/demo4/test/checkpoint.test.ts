import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { writeFileAtomic } from '../src/pipeline/atomic-write';
import {
  assertSameSettings,
  previousGeneration,
  readCheckpoint,
  readResumeCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  type RunSettings,
} from '../src/training/checkpoint';
import { CheckpointError } from '../src/errors';
import { Rng } from '../src/training/rng';
import { categoricalAccuracy } from '../src/model/loss-and-metrics';
import { freshProgress, train, type StopSignal } from '../src/training/loop';
import { tmpDir } from './helpers';

/** A tiny model with a non-trainable weight too (as the Lipschitz layers' power-iteration vectors). */
function tinyModel(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.dense({
      units: 6,
      inputShape: [5],
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
    }),
  );
  m.add(tfl.layers.batchNormalization({})); // moving mean/variance: non-trainable weights updated in training
  m.add(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
  return m;
}

const settings: RunSettings = {
  batchSize: 8,
  trainLimit: null,
  seed: 7,
  learningRate: 0.01,
  modelSignature: 'tiny',
  valLimit: null,
  data: 'tiny-data',
};
const mse = (t: tf.Tensor, p: tf.Tensor) => tf.losses.meanSquaredError(t, p);
const quiet = { write: () => true };

function data() {
  const rng = new Rng(123);
  const x = tf.tensor2d(
    Array.from({ length: 20 * 5 }, () => rng.next() * 2 - 1),
    [20, 5],
  );
  const y = tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 20 }, (_, i) => i % 3),
        'int32',
      ),
      3,
    ),
    'float32',
  );
  return { x, y };
}

async function run(
  epochs: number,
  opts: {
    model?: tfl.LayersModel;
    optimizer?: tf.Optimizer;
    progress?: ReturnType<typeof freshProgress>;
    file?: string;
    stop?: StopSignal;
    onStep?: (e: number, s: number) => void;
  } = {},
) {
  const { x, y } = data();
  const model = opts.model ?? tinyModel();
  const optimizer = opts.optimizer ?? tf.train.adam(settings.learningRate);
  const res = await train({
    model,
    optimizer,
    loss: { name: 'loss', fn: mse },
    metrics: [{ name: 'accuracy', fn: categoricalAccuracy }],
    xTrain: x,
    yTrain: y,
    xVal: x,
    yVal: y,
    epochs,
    settings,
    progress: opts.progress ?? freshProgress(settings.seed),
    checkpointFile: opts.file,
    stop: opts.stop,
    sink: quiet,
    onStep: opts.onStep,
  });
  tf.dispose([x, y]);
  return { model, optimizer, res };
}

async function weightsOf(m: tfl.LayersModel) {
  return Promise.all(m.getWeights().map((w) => w.data()));
}

describe('checkpoint + resume', () => {
  it('writes atomically: a failed write leaves the old file whole and no temp file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'a.bin');
    writeFileAtomic(f, 'old');
    const bad = { toString: () => 'x' } as unknown as string; // writeFileSync rejects it
    expect(() => writeFileAtomic(f, bad)).toThrow();
    expect(fs.readFileSync(f, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['a.bin']); // no temp file left behind
    writeFileAtomic(f, 'new');
    expect(fs.readFileSync(f, 'utf8')).toBe('new');
    expect(fs.readdirSync(dir)).toEqual(['a.bin']);
  });

  it('2 epochs in one go == 1 epoch, checkpoint, fresh process-like restore, 1 more epoch (bit-identical weights and history)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    const straight = await run(2);
    const first = await run(1, { file });
    // "new process": new model (other initial weights), new optimizer, state from the file only
    const ck = readCheckpoint(file);
    expect(ck.header.progress.epoch).toBe(1);
    const model = tinyModel();
    model.setWeights(model.getWeights().map((w) => tf.randomNormal(w.shape)));
    const optimizer = tf.train.adam(settings.learningRate);
    await restoreCheckpoint(file, ck, model, optimizer);
    const resumed = await run(2, { model, optimizer, progress: ck.header.progress });
    const a = await weightsOf(straight.model);
    const b = await weightsOf(resumed.model);
    expect(a.length).toBe(b.length);
    a.forEach((w, i) => expect(Array.from(b[i]!)).toEqual(Array.from(w)));
    expect(resumed.res.progress.history).toEqual(straight.res.progress.history);
    expect((await weightsOf(first.model))[0]).not.toEqual(a[0]); // epoch 2 did change the weights
  });

  it('a stop in the middle of an epoch saves the step reached; resuming gives the same weights as not stopping', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    const straight = await run(2);
    const stop: StopSignal = { requested: false };
    const cut = await run(2, { file, stop, onStep: (e, s) => (stop.requested = e === 1 && s === 1) });
    expect(cut.res.interrupted).toBe(true);
    const ck = readCheckpoint(file);
    expect([ck.header.progress.epoch, ck.header.progress.step]).toEqual([1, 1]);
    const model = tinyModel();
    const optimizer = tf.train.adam(settings.learningRate);
    await restoreCheckpoint(file, ck, model, optimizer);
    const resumed = await run(2, { model, optimizer, progress: ck.header.progress });
    const a = await weightsOf(straight.model);
    const b = await weightsOf(resumed.model);
    a.forEach((w, i) => expect(Array.from(b[i]!)).toEqual(Array.from(w)));
    for (const k of Object.keys(straight.res.progress.history)) {
      straight.res.progress.history[k]!.forEach((v, i) =>
        expect(resumed.res.progress.history[k]![i]).toBeCloseTo(v, 6),
      );
    }
  });

  it('rejects a corrupted or truncated checkpoint and mismatched settings with clear messages', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    await run(1, { file });
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    expect(() => readCheckpoint(file)).toThrow(CheckpointError);
    expect(() => readCheckpoint(file)).toThrow(
      /is unusable: its SHA-256 does not match its header and data \(edited, truncated or corrupted\)/,
    );
    fs.writeFileSync(file, 'hello world, not a checkpoint');
    expect(() => readCheckpoint(file)).toThrow(/not a demo4 checkpoint \(bad magic\)/);
    expect(() => readCheckpoint(path.join(dir, 'none.bin'))).toThrow(/cannot read checkpoint .*none\.bin \(ENOENT\)/);
    expect(() => assertSameSettings(file, settings, { ...settings, batchSize: 16 })).toThrow(
      /run settings differ \(batchSize: checkpoint 8, now 16\)/,
    );
    expect(() => assertSameSettings(file, settings, { ...settings, valLimit: 100 })).toThrow(
      /run settings differ \(valLimit: checkpoint null, now 100\)/,
    );
  });

  it('refuses a checkpoint whose header was edited (the SHA-256 covers header and data)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    await run(2, { file });
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('"epoch":2');
    expect(at).toBeGreaterThan(16);
    const edited = Buffer.from(bytes);
    edited.write('"epoch":1', at, 'utf8'); // same length: only the hash can tell
    fs.writeFileSync(file, edited);
    expect(() => readCheckpoint(file)).toThrow(/SHA-256 does not match its header and data/);
    fs.writeFileSync(file, bytes);
    expect(readCheckpoint(file).header.progress.epoch).toBe(2);
  });

  it('keeps two generations and resumes from the older one, with a warning, when the newest is damaged', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    await run(2, { file });
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.bin', 'checkpoint.prev.bin']);
    expect(readCheckpoint(previousGeneration(file)).header.progress.epoch).toBe(1);
    const lines: string[] = [];
    expect(readResumeCheckpoint(file, (l) => lines.push(l)).header.progress.epoch).toBe(2);
    expect(lines).toEqual([]);
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes[bytes.length - 100]! ^ 0x01, bytes.length - 100); // one flipped bit in the data
    fs.writeFileSync(file, bytes);
    const ck = readResumeCheckpoint(file, (l) => lines.push(l));
    expect([ck.file, ck.header.progress.epoch]).toEqual([previousGeneration(file), 1]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^Warning: checkpoint .*checkpoint\.bin is unusable: its SHA-256 does not match .*; resuming from the previous generation .*checkpoint\.prev\.bin \(epoch 1, step 0\)\.$/,
      ),
    ]);
    fs.rmSync(file); // a crash between the rename and the write leaves only the previous generation
    expect(readResumeCheckpoint(file, () => undefined).header.progress.epoch).toBe(1);
    fs.writeFileSync(previousGeneration(file), 'damaged too');
    expect(() => readResumeCheckpoint(file, () => undefined)).toThrow(
      /The previous generation is unusable too: .*bad magic/,
    );
  });

  it('refuses to restore into a different model', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.bin');
    const { model, optimizer } = await run(1);
    await saveCheckpoint(file, model, optimizer, settings, freshProgress(1));
    const other = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [5] })] });
    await expect(restoreCheckpoint(file, readCheckpoint(file), other, tf.train.adam(0.1))).rejects.toThrow(
      /holds 8 model weights, the model has 2/,
    );
  });

  it('a training epoch leaks no tensors', async () => {
    const { x, y } = data();
    const model = tinyModel();
    const optimizer = tf.train.adam(0.01);
    const progress = freshProgress(1);
    const epoch = async () => {
      await train({
        model,
        optimizer,
        loss: { name: 'loss', fn: mse },
        metrics: [{ name: 'accuracy', fn: categoricalAccuracy }],
        xTrain: x,
        yTrain: y,
        xVal: x,
        yVal: y,
        epochs: progress.epoch + 1,
        settings,
        progress,
        sink: quiet,
      });
    };
    await epoch(); // creates Adam's moments once
    await expectNoLeakedTensors(epoch);
    tf.dispose([x, y]);
  });
});
