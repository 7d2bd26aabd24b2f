/**
 * Demo 4, phase by phase: data → model → training (checkpointed, resumable) →
 * vanilla export → certificates and C&W attack → figures → results.json.
 * Prints the story the notebook tells; every number also goes to results.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { DataParallelError } from '@lipnet/backend';
import { adversarialViz } from './adversarial-viz';
import { writeFileAtomic } from './atomic-write';
import { chooseBackend, type BackendChoice } from './backend';
import { certifyAndAttack, type AttackReport } from './certify';
import { assertSameSettings, readCheckpoint, restoreCheckpoint, type RunSettings } from './checkpoint';
import type { CliOptions } from './cli';
import { disposeDataset, toDataset } from './dataset';
import { downloadFashionMnist } from './download';
import { CertificateViolationError, CheckpointError, InterruptedError, WorkerFailureError } from './errors';
import { exportAndVerify } from './export-model';
import { describeProbe, FILE_ROLES, loadFashionMnist } from './fashion-mnist';
import { buildHkrModel, MODEL_SIGNATURE, NOTEBOOK, notebookLossAndMetrics } from './model';
import { ensureWritableDir } from './output-dir';
import { formatSummary, summarize } from './summary';
import { freshProgress, train, type StopSignal } from './train';
import { trainingCurves, trainingCurvesHtml } from './training-curves';
import { collectVersions } from './versions';
import { planWorkers, startWorkers } from './workers';

/** Chunk size of a training step on wasm: batch 4096's activations overflow the wasm32 heap (4 GB). */
const WASM_MICRO_BATCH = 1024;
/** Largest shard a wasm worker trains in one pass (its own 4 GB heap). */
const WASM_MAX_SHARD = 2048;

/** Files demo4 writes into `--out`. */
export const OUTPUT_FILES = {
  checkpoint: 'checkpoint.bin',
  runOptions: 'run.json',
  model: 'model',
  viz: 'adversarial_viz.png',
  curves: 'training_curves.png',
  curvesHtml: 'training_curves.html',
  results: 'results.json',
} as const;

/** Keys of CliOptions saved in run.json and restored on --resume when not given again. */
const RESUMABLE = [
  'epochs',
  'batchSize',
  'trainLimit',
  'valLimit',
  'attackSteps',
  'binarySearchSteps',
  'seed',
  'dataDir',
] as const;

const fmtArr = (a: number[], d = 4) => `[${a.map((v) => (Number.isFinite(v) ? v.toFixed(d) : String(v))).join(', ')}]`;

/** Where a run's SIGINT goes. */
interface InterruptState extends StopSignal {
  aborted: boolean;
}

/** The whole program after argument parsing. Returns the process exit code. */
export async function runDemo(
  o: CliOptions,
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): Promise<number> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = (performance.now() - t) / 1000;
    }
  };
  const out = o.out;
  const file = (k: keyof typeof OUTPUT_FILES) => path.join(out, OUTPUT_FILES[k]);

  // 0. output folder first, so a bad --out fails before any work
  ensureWritableDir(out);

  // --resume: flags not given again come from the interrupted run
  if (o.resume) {
    if (!fs.existsSync(file('checkpoint'))) {
      throw new CheckpointError(
        `demo4: --resume: no checkpoint at ${file('checkpoint')}. Pass the --out folder of the run to resume, or run without --resume to start one.`,
      );
    }
    if (fs.existsSync(file('runOptions'))) {
      const saved = JSON.parse(fs.readFileSync(file('runOptions'), 'utf8')) as Record<string, unknown>;
      for (const k of RESUMABLE)
        if (!o.explicit.has(k) && k in saved) (o as unknown as Record<string, unknown>)[k] = saved[k] ?? undefined;
    }
  } else if (fs.existsSync(file('checkpoint'))) {
    const prev = path.join(out, 'checkpoint.prev.bin');
    fs.renameSync(file('checkpoint'), prev);
    log(`Note: ${file('checkpoint')} from an earlier run was moved to ${prev} (use --resume to continue a run).`);
  }
  writeFileAtomic(
    file('runOptions'),
    JSON.stringify(Object.fromEntries(RESUMABLE.map((k) => [k, o[k] ?? null])), null, 2),
  );

  const interrupt: InterruptState = { requested: false, aborted: false };
  const resumeHint = `pnpm demo4 --resume --out ${out}`;
  const onSigint = () => {
    if (interrupt.requested) {
      log('\nSecond interrupt: quitting without saving.');
      process.exit(130);
    }
    interrupt.requested = true;
    interrupt.aborted = true;
    log('\nInterrupt received: finishing the current step, then saving a checkpoint (Ctrl-C again quits at once).');
  };
  process.on('SIGINT', onSigint);
  try {
    // 1. backend
    const backend: BackendChoice = await phase('backend', () => chooseBackend(o.backend, log));

    // 2. data
    const raw = await phase('data', () =>
      loadFashionMnist({
        dataDir: o.dataDir,
        onSkip: (p) => {
          if (p.location.source === '--data-dir' || p.location.source === '$FASHION_MNIST_DIR') {
            log(`Warning: ${p.location.source} ${p.location.dir}: ${describeProbe(p)}; looking further.`);
          }
        },
        download: o.download ? (cache) => downloadFashionMnist(cache, { log }) : undefined,
      }),
    );
    const checksumsOk = FILE_ROLES.every((r) => raw.checksums[r].matchesPublished);
    log(
      `Fashion-MNIST: ${raw.location.dir} (${raw.location.source}), ${raw.nTrain} training and ${raw.nTest} test images; ` +
        (checksumsOk
          ? 'MD5 of every file matches the published one.'
          : 'WARNING: some MD5s differ from the published ones (see results.json).'),
    );
    if (o.trainLimit !== undefined && o.trainLimit > raw.nTrain)
      log(`Note: --train-limit ${o.trainLimit} > ${raw.nTrain} images; using all.`);
    const data = toDataset(raw, o.trainLimit);
    const nVal = Math.min(o.valLimit ?? raw.nTest, raw.nTest);
    const xVal = nVal < raw.nTest ? tf.slice(data.xTest, 0, nVal) : data.xTest;
    const yVal = nVal < raw.nTest ? tf.slice(data.yTest, 0, nVal) : data.yTest;
    log(`Training on ${data.xTrain.shape[0]} images, validating on ${nVal} test images.`);

    // 3. model
    const warnings: string[] = [];
    const model = await phase('model', () => buildHkrModel(o.seed, (m) => warnings.push(m)));
    for (const w of warnings) log(`Warning: ${w}`);
    const summary = summarize(model);
    log(formatSummary(summary));
    const wbar = model.layers
      .filter((l) => ['SpectralConv2D', 'SpectralDense', 'FrobeniusDense'].includes(l.getClassName()))
      .reduce(
        (a, l) =>
          a +
          l.trainableWeights
            .filter((w) => w.originalName.endsWith('kernel'))
            .reduce((b, w) => b + (w.shape as number[]).reduce((x, y) => x * y, 1), 0),
        0,
      );
    log(
      `(deel-lip 1.2.0 also stores a copy of each normalised kernel, "wbar", as a non-trainable weight: +${wbar.toLocaleString('en-US')} → ${(summary.total + wbar).toLocaleString('en-US')} total as in the notebook; @lipnet recomputes it instead.)`,
    );

    // 4. training
    const { loss, metrics } = notebookLossAndMetrics();
    const optimizer = tf.train.adam(NOTEBOOK.learningRate);
    const settings: RunSettings = {
      batchSize: o.batchSize,
      trainLimit: o.trainLimit ?? null,
      seed: o.seed,
      learningRate: NOTEBOOK.learningRate,
      modelSignature: MODEL_SIGNATURE,
    };
    let progress = freshProgress(o.seed);
    if (o.resume) {
      const ck = readCheckpoint(file('checkpoint'));
      assertSameSettings(file('checkpoint'), ck.header.settings, settings);
      model.predict(tf.zeros([1, 28, 28, 1])); // build weights before restoring
      await restoreCheckpoint(file('checkpoint'), ck, model, optimizer);
      progress = ck.header.progress;
      log(
        `Resuming from ${file('checkpoint')}: ${progress.epoch} epoch(s) done` +
          (progress.step ? `, ${progress.step} step(s) into epoch ${progress.epoch + 1}.` : '.'),
      );
    }
    if (progress.epoch >= o.epochs)
      log(`Training already complete (${progress.epoch}/${o.epochs} epochs): going on with the export.`);
    const plan = planWorkers(o, backend, WASM_MAX_SHARD);
    if (plan.note) log(plan.note);
    const parallel =
      progress.epoch < o.epochs && plan.workers > 1 ? await startWorkers(model, plan.workers, backend, log) : undefined;
    const trainResult = await phase('training', () =>
      train({
        model,
        optimizer,
        loss,
        metrics,
        xTrain: data.xTrain,
        yTrain: data.yTrain,
        xVal,
        yVal,
        epochs: o.epochs,
        settings,
        progress,
        checkpointFile: file('checkpoint'),
        stop: interrupt,
        microBatch: o.microBatch ?? (backend.tfBackend === 'wasm' ? WASM_MICRO_BATCH : undefined),
        parallel,
      })
        .catch((err: unknown) => {
          if (!(err instanceof DataParallelError)) throw err;
          throw new WorkerFailureError(
            `demo4: training on ${plan.workers} worker threads failed: ${err.message}\n` +
              `The checkpoint of the last finished epoch is in ${file('checkpoint')}. Resume in one thread with:  ${resumeHint} --workers 1\n` +
              `(or with more workers, whose shards are smaller: --workers ${plan.workers * 2}).`,
          );
        })
        .finally(() => parallel?.dispose()),
    );
    if (trainResult.interrupted) {
      throw new InterruptedError(
        `demo4: interrupted; checkpoint saved to ${file('checkpoint')}.\nResume with:  ${resumeHint}`,
      );
    }
    const hist = progress.history;
    const last = (k: string) => hist[k]?.[hist[k].length - 1] ?? NaN;

    // 5. export
    const nCheck = Math.min(300, raw.nTest);
    const xCheck = tf.slice(data.xTest, 0, nCheck);
    const { vanilla, report: exportReport } = await phase('export', () =>
      exportAndVerify(model, xCheck, path.join(out, OUTPUT_FILES.model)),
    );
    xCheck.dispose();
    log(
      `Vanilla export (${exportReport.layers.join(' → ')}) saved to ${exportReport.modelJson} + weights.bin (${(exportReport.weightBytes / 1024).toFixed(1)} KiB).`,
    );
    log(
      `Reloaded and checked on ${exportReport.checked} test images: max |Δlogit| reloaded vs exported ${exportReport.maxDiffReloaded.toExponential(2)}, exported vs trained ${exportReport.maxDiffTrained.toExponential(2)} (tolerance ${exportReport.tolerance}).`,
    );
    if (!exportReport.ok) log('WARNING: the exported model does not predict like the trained one within tolerance.');

    // 6. certificates + attack
    const attack: AttackReport = await phase('attack', async () => {
      log(
        `Attack: L2CarliniWagnerAttack(binarySearchSteps=${o.binarySearchSteps}, steps=${o.attackSteps}) on one correctly classified image per class from the first 300 test images.`,
      );
      return certifyAndAttack(vanilla, data.xTest, data.testLabels, {
        binarySearchSteps: o.binarySearchSteps,
        steps: o.attackSteps,
        signal: interrupt,
      });
    });
    if (interrupt.aborted) {
      throw new InterruptedError(
        `demo4: interrupted during the attack (training is saved in ${file('checkpoint')}).\nRedo export and attack with:  ${resumeHint}`,
      );
    }
    const sel = attack.selection;
    log(
      `${sel.correct}/${sel.pool} correctly classified; selected test images ${JSON.stringify(sel.indices)} (classes ${JSON.stringify(sel.labels)}).`,
    );
    if (sel.missingClasses.length)
      log(
        `Note: no correctly classified image of class(es) ${sel.missingClasses.join(', ')} in the first 300; they are left out.`,
      );
    log(`certificates = ${fmtArr(attack.certificates)}`);
    log(`dist_to_adv  = ${fmtArr(attack.distances)}`);
    if (attack.success.some((s) => !s))
      log(
        `Note: the attack found no adversarial for sample(s) ${attack.success.flatMap((s, i) => (s ? [] : [i])).join(', ')} (distance Infinity).`,
      );
    log(attack.check.text);

    // 7. figures
    await phase('figures', () => {
      writeFileAtomic(
        file('viz'),
        adversarialViz(
          attack.images.map((image, i) => ({
            image,
            adv: attack.adversarials[i]!,
            origClass: attack.originalClasses[i]!,
            advClass: attack.adversarialClasses[i]!,
            certificate: attack.certificates[i]!,
            distance: attack.distances[i]!,
          })),
        ).toPng(),
      );
      writeFileAtomic(file('curves'), trainingCurves(hist).toPng());
      writeFileAtomic(
        file('curvesHtml'),
        trainingCurvesHtml(
          hist,
          `demo4 training curves (${progress.epoch} epochs, ${data.xTrain.shape[0]} images, batch ${o.batchSize})`,
        ),
      );
    });
    log(`Figures: ${file('viz')}, ${file('curves')}, ${file('curvesHtml')}`);

    // 8. results.json
    const totalSeconds = (performance.now() - t0) / 1000;
    const results = {
      notebook: 'deel-lip Demo 4: HKR multiclass and fooling (deel-lip 1.2.0 semantics)',
      commandLine: process.argv.slice(2),
      options: { ...o, explicit: [...o.explicit] },
      seed: o.seed,
      backend,
      versions: collectVersions(),
      data: {
        dir: raw.location.dir,
        source: raw.location.source,
        files: raw.files,
        checksums: raw.checksums,
        nTrainUsed: data.xTrain.shape[0],
        nTrain: raw.nTrain,
        nTest: raw.nTest,
        nValidation: nVal,
      },
      model: { summary, notebookTotalWithWbar: summary.total + wbar, signature: MODEL_SIGNATURE },
      training: {
        hyperparameters: { ...NOTEBOOK, batchSize: o.batchSize, epochs: o.epochs, optimizer: 'Adam', shuffle: true },
        workers: plan.workers,
        history: hist,
        epochSeconds: progress.epochSeconds,
        final: Object.fromEntries(Object.keys(hist).map((k) => [k, last(k)])),
        resumed: o.resume,
      },
      export: exportReport,
      attack: { ...attack, images: undefined, adversarials: undefined },
      check: attack.check,
      timings: {
        ...timings,
        total: totalSeconds,
        trainingAllSessions: progress.epochSeconds.reduce((a, b) => a + b, 0),
      },
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      finishedAt: new Date().toISOString(),
    };
    writeFileAtomic(
      file('results'),
      JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2),
    );
    log(`Results: ${file('results')}`);
    log(
      `Final: val_accuracy ${last('val_accuracy').toFixed(4)}, val_MulticlassKR ${last('val_MulticlassKR').toFixed(4)}; ${attack.check.respected}/${attack.check.total} certificates below their attack distance. Total ${totalSeconds.toFixed(1)} s (` +
        Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(', ') +
        `; peak RSS ${(process.resourceUsage().maxRSS / 1048576).toFixed(2)} GB).`,
    );

    vanilla.dispose();
    model.dispose();
    optimizer.dispose();
    if (xVal !== data.xTest) tf.dispose([xVal, yVal]);
    disposeDataset(data);
    if (attack.check.violations.length > 0) {
      const lines = attack.check.violations.map(
        (v) =>
          `  sample ${v.index} (${attack.originalClasses[v.index]}): certificate ${v.certificate.toFixed(4)} ≥ adversarial distance ${v.distance.toFixed(4)}`,
      );
      throw new CertificateViolationError(
        `demo4: ${attack.check.violations.length} certificate(s) NOT below the distance of the adversarial example found:\n${lines.join('\n')}\nThe network is not as Lipschitz as its construction claims: report this with ${file('results')}.`,
      );
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
