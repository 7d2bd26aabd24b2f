/**
 * Stage `train`: the notebook's `model.fit` (Adam 1e-4, MulticlassHKR, batch
 * 4096, shuffled, validated every epoch), checkpointed after every epoch and
 * on a stop signal, on worker threads where that pays (wasm). A resumed run
 * continues from the checkpoint, after checking — before anything is written —
 * that it was made with the same settings and data.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelError } from '@lipnet/backend';
import type { BackendChoice } from '../backend';
import { CheckpointError, InterruptedError, WorkerFailureError } from '../errors';
import { NOTEBOOK } from '../model/hkr-model';
import { notebookLossAndMetrics } from '../model/loss-and-metrics';
import { jsonSha256 } from '../pipeline/file-hash';
import { signalExitCode } from '../pipeline/interrupt';
import { OUTPUT_FILES, outputPath } from '../pipeline/output-files';
import type { Stage, StageContext } from '../pipeline/stage';
import {
  assertSameSettings,
  previousGeneration,
  readCheckpoint,
  readResumeCheckpoint,
  restoreCheckpoint,
  type LoadedCheckpoint,
  type RunSettings,
  type TrainProgress,
} from '../training/checkpoint';
import { freshProgress, train } from '../training/loop';
import { WASM_MAX_SHARD, planWorkers, startWorkers } from '../training/workers';
import type { DataOutput } from './data';
import type { ModelOutput } from './model';

/** Chunk size of a training step on wasm: batch 4096's activations overflow the wasm32 heap (4 GB). */
const WASM_MICRO_BATCH = 1024;

/** Inputs of the train stage. */
export interface TrainInput {
  data: DataOutput;
  model: ModelOutput;
  backend: BackendChoice;
  /** `--conv-normalization`. */
  convNormalization: string;
  epochs: number;
  batchSize: number;
  seed: number;
  trainLimit?: number;
  valLimit?: number;
  microBatch?: number;
  workers?: number;
}

/** The trained model (the input's, trained in place) and its history. */
export interface TrainOutput {
  history: Record<string, number[]>;
  epochSeconds: number[];
  epochs: number;
  /** Worker threads of the session that finished training. */
  workers: number;
}

/** The settings a checkpoint must share with the run that resumes it. */
export function runSettings(i: TrainInput): RunSettings {
  return {
    batchSize: i.batchSize,
    trainLimit: i.trainLimit ?? null,
    valLimit: i.valLimit ?? null,
    seed: i.seed,
    learningRate: NOTEBOOK.learningRate,
    modelSignature: i.model.signature,
    convNormalization: i.convNormalization,
    data: jsonSha256(i.data.identity.md5),
  };
}

/**
 * The resume checks, all before anything is written: the checkpoint (or its
 * previous generation) is sound, belongs to this run, was made with the same
 * settings and data, and is not past `--epochs`.
 */
function checkResume(i: TrainInput, ctx: StageContext): LoadedCheckpoint & { file: string } {
  const ck = readResumeCheckpoint(outputPath(ctx.out, 'checkpoint'), ctx.log);
  const file = ck.file;
  if (ck.header.runId !== ctx.state.runId)
    throw new CheckpointError(
      `demo4: cannot resume from ${file}: it belongs to another run (run id ${ck.header.runId || 'none'}, run.json has ${ctx.state.runId}). Start over with --restart, or pass the --out folder of that run.`,
    );
  assertSameSettings(file, ck.header.settings, runSettings(i));
  const done = ck.header.progress.epoch;
  if (done > i.epochs)
    throw new CheckpointError(
      `demo4: cannot resume from ${file}: it has ${done} epochs trained, more than --epochs ${i.epochs}. Pass --epochs ${done} or more.`,
    );
  return ck;
}

/** Trains from the checkpoint `ck` (or from scratch) to `--epochs`; returns where training ended and on how many workers. */
async function fit(
  i: TrainInput,
  ctx: StageContext,
  ck: (LoadedCheckpoint & { file: string }) | undefined,
): Promise<{ progress: TrainProgress; workers: number }> {
  const file = outputPath(ctx.out, 'checkpoint');
  const { loss, metrics } = notebookLossAndMetrics();
  const optimizer = tf.train.adam(NOTEBOOK.learningRate);
  const model = i.model.model;
  let progress = freshProgress(i.seed);
  if (ck) {
    await restoreCheckpoint(ck.file, ck, model, optimizer);
    progress = ck.header.progress;
    ctx.log(
      `Resuming from ${ck.file}: ${progress.epoch} epoch(s) done` +
        (progress.step ? `, ${progress.step} step(s) into epoch ${progress.epoch + 1}.` : '.'),
    );
  }
  if (progress.epoch >= i.epochs) ctx.log(`Training already complete (${progress.epoch}/${i.epochs} epochs).`);
  const plan = planWorkers(i, i.backend, WASM_MAX_SHARD);
  if (plan.note) ctx.log(plan.note);
  const parallel =
    progress.epoch < i.epochs && plan.workers > 1
      ? await startWorkers(model, plan.workers, i.backend, ctx.log)
      : undefined;
  const hint = `pnpm demo4 --resume --out ${ctx.out}`;
  try {
    const result = await train({
      ...{ model, optimizer, loss, metrics, epochs: i.epochs, progress, parallel },
      ...{ xTrain: i.data.dataset.xTrain, yTrain: i.data.dataset.yTrain, xVal: i.data.xVal, yVal: i.data.yVal },
      settings: runSettings(i),
      checkpointFile: file,
      runId: ctx.state.runId,
      stop: ctx.interrupt,
      microBatch: i.microBatch ?? (i.backend.tfBackend === 'wasm' ? WASM_MICRO_BATCH : undefined),
    });
    if (result.interrupted)
      throw new InterruptedError(
        `demo4: interrupted; checkpoint saved to ${file}.\nResume with:  ${hint}`,
        signalExitCode(ctx.interrupt.signal),
      );
    return { progress, workers: plan.workers };
  } catch (err) {
    if (!(err instanceof DataParallelError)) throw err;
    throw new WorkerFailureError(
      `demo4: training on ${plan.workers} worker threads failed: ${err.message}\n` +
        `The checkpoint of the last finished epoch is in ${file}. Resume in one thread with:  ${hint} --workers 1\n` +
        `(or with more workers, whose shards are smaller: --workers ${plan.workers * 2}).`,
    );
  } finally {
    await parallel?.dispose();
    optimizer.dispose();
  }
}

/** train → {@link TrainOutput}; the model of `input.model` is trained in place. Reused on resume when finished. */
export const trainStage: Stage<TrainInput, TrainOutput, (LoadedCheckpoint & { file: string }) | undefined> = {
  name: 'train',
  writes: true,
  key: (i) => ({ settings: runSettings(i), epochs: i.epochs }),
  prepare(i, ctx) {
    const file = outputPath(ctx.out, 'checkpoint');
    const any = fs.existsSync(file) || fs.existsSync(previousGeneration(file));
    return Promise.resolve(ctx.resume && any ? checkResume(i, ctx) : undefined);
  },
  async run(i, ctx, ck) {
    const { progress, workers } = await fit(i, ctx, ck);
    const output: TrainOutput = {
      history: progress.history,
      epochSeconds: progress.epochSeconds,
      epochs: progress.epoch,
      workers,
    };
    return { output, files: [OUTPUT_FILES.checkpoint], summary: output };
  },
  async load(i, record, ctx) {
    const file = outputPath(ctx.out, 'checkpoint');
    const optimizer = tf.train.adam(NOTEBOOK.learningRate);
    try {
      await restoreCheckpoint(file, readCheckpoint(file), i.model.model, optimizer);
    } finally {
      optimizer.dispose();
    }
    return record.summary as TrainOutput;
  },
};
