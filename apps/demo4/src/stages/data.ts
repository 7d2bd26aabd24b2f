/**
 * Stage `data`: finds and checks Fashion-MNIST (downloading it only when no
 * copy is found and downloads are allowed) and builds the tensors the notebook
 * feeds Keras: training images (the first `--train-limit`), the test set, and
 * the validation set (the first `--val-limit` test images).
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeDataset, toDataset, type Dataset } from '../data/dataset';
import { downloadFashionMnist } from '../data/download';
import { describeProbe, FILE_ROLES, loadFashionMnist, type RawFashionMnist } from '../data/fashion-mnist';
import type { Stage } from '../pipeline/stage';

/** Inputs of the data stage (flags). */
export interface DataInput {
  dataDir?: string;
  download: boolean;
  trainLimit?: number;
  valLimit?: number;
}

/** Where the data came from and what was used (results.json's `data`). */
export interface DataReport {
  dir: string;
  source: string;
  files: RawFashionMnist['files'];
  checksums: RawFashionMnist['checksums'];
  nTrainUsed: number;
  nTrain: number;
  nTest: number;
  nValidation: number;
}

/** The data stage's output: the tensors (free them with `dispose`) and the report. */
export interface DataOutput {
  dataset: Dataset;
  xVal: tf.Tensor;
  yVal: tf.Tensor;
  report: DataReport;
  /** What identifies the data used: the MD5 of each file and the counts used. */
  identity: { md5: string[]; nTrainUsed: number; nValidation: number };
  dispose(): void;
}

async function load(i: DataInput, log: (s: string) => void): Promise<RawFashionMnist> {
  const raw = await loadFashionMnist({
    dataDir: i.dataDir,
    onSkip: (p) => {
      if (p.location.source === '--data-dir' || p.location.source === '$FASHION_MNIST_DIR')
        log(`Warning: ${p.location.source} ${p.location.dir}: ${describeProbe(p)}; looking further.`);
    },
    download: i.download ? (cache) => downloadFashionMnist(cache, { log }) : undefined,
  });
  const ok = FILE_ROLES.every((r) => raw.checksums[r].matchesPublished);
  log(
    `Fashion-MNIST: ${raw.location.dir} (${raw.location.source}), ${raw.nTrain} training and ${raw.nTest} test images; ` +
      (ok
        ? 'MD5 of every file matches the published one.'
        : 'WARNING: some MD5s differ from the published ones (see results.json).'),
  );
  return raw;
}

/** data → {@link DataOutput}. Always runs (it writes nothing; a resumed run checks the data against its checkpoint). */
export const dataStage: Stage<DataInput, DataOutput> = {
  name: 'data',
  writes: false,
  key: (i) => ({ trainLimit: i.trainLimit ?? null, valLimit: i.valLimit ?? null }),
  async run(i, ctx) {
    const raw = await load(i, ctx.log);
    if (i.trainLimit !== undefined && i.trainLimit > raw.nTrain)
      ctx.log(`Note: --train-limit ${i.trainLimit} > ${raw.nTrain} images; using all.`);
    const dataset = toDataset(raw, i.trainLimit);
    const nVal = Math.min(i.valLimit ?? raw.nTest, raw.nTest);
    const xVal = nVal < raw.nTest ? tf.slice(dataset.xTest, 0, nVal) : dataset.xTest;
    const yVal = nVal < raw.nTest ? tf.slice(dataset.yTest, 0, nVal) : dataset.yTest;
    ctx.log(`Training on ${dataset.xTrain.shape[0]} images, validating on ${nVal} test images.`);
    const report: DataReport = {
      dir: raw.location.dir,
      source: raw.location.source,
      files: raw.files,
      checksums: raw.checksums,
      nTrainUsed: dataset.xTrain.shape[0],
      nTrain: raw.nTrain,
      nTest: raw.nTest,
      nValidation: nVal,
    };
    const identity = {
      md5: FILE_ROLES.map((r) => raw.checksums[r].md5),
      nTrainUsed: report.nTrainUsed,
      nValidation: nVal,
    };
    const dispose = () => {
      if (xVal !== dataset.xTest) tf.dispose([xVal, yVal]);
      disposeDataset(dataset);
    };
    return { output: { dataset, xVal, yVal, report, identity, dispose }, files: [], summary: report, identity };
  },
};
