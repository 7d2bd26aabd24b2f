/**
 * Demo 4 as a pipeline of stages — data → model → train → export → certify →
 * attack → report (src/stages/) — wired here and nothing else. Each stage has
 * typed inputs and outputs; the pipeline records every finished stage with
 * its outputs' hashes in run.json, and `--resume` reuses the finished ones.
 */
import { chooseBackend } from './backend';
import type { CliOptions } from './cli';
import { CertificateViolationError } from './errors';
import { disposeModel } from './model/dispose-model';
import { trapStopSignals } from './pipeline/interrupt';
import { openRun } from './pipeline/open-run';
import { acquireOutLock } from './pipeline/out-lock';
import { ensureWritableDir } from './pipeline/output-dir';
import { outputPath } from './pipeline/output-files';
import { Pipeline, type StageContext } from './pipeline/stage';
import { attackStage } from './stages/attack';
import { certifyStage } from './stages/certify';
import { dataStage } from './stages/data';
import { exportStage } from './stages/export';
import { modelStage } from './stages/model';
import { reportStage, type ReportOutput } from './stages/report';
import { trainStage } from './stages/train';

/** Runs every stage in order; returns the exit code. */
async function runStages(o: CliOptions, ctx: StageContext, t0: number): Promise<ReportOutput> {
  const p = new Pipeline(ctx);
  const backend = await chooseBackend(o.backend, ctx.log);
  const data = await p.run(dataStage, o);
  const model = await p.run(modelStage, o);
  try {
    const trained = await p.run(trainStage, { ...o, data, model, backend });
    const exported = await p.run(exportStage, { model: model.model, data });
    try {
      const certified = await p.run(certifyStage, { model: exported.vanilla, data });
      const attacked = await p.run(attackStage, { ...o, model: exported.vanilla, data, certified, backend });
      const totalSeconds = (performance.now() - t0) / 1000;
      const input = { options: o, backend, data, model, trained, exported, certified, attacked, resumed: o.resume };
      return await p.run(reportStage, { ...input, seconds: p.seconds, totalSeconds });
    } finally {
      disposeModel(exported.vanilla);
    }
  } finally {
    disposeModel(model.model);
    data.dispose();
  }
}

/** The final line: the notebook's numbers, the check, the time per stage. */
function finalLine(r: ReportOutput['results']): string {
  const f = r.training.final;
  const t = Object.entries(r.timings).filter(([k]) => k !== 'total' && k !== 'trainingAllSessions');
  return (
    `Final: val_accuracy ${f['val_accuracy']?.toFixed(4)}, val_MulticlassKR ${f['val_MulticlassKR']?.toFixed(4)}; ` +
    `${r.check.respected}/${r.check.total} certificates below their attack distance. Total ${r.timings.total.toFixed(1)} s (` +
    t.map(([k, v]) => `${k} ${(v ?? 0).toFixed(1)} s`).join(', ') +
    `; peak RSS ${(process.resourceUsage().maxRSS / 1048576).toFixed(2)} GB).`
  );
}

/** The whole program after argument parsing. Returns the process exit code. */
export async function runDemo(
  o: CliOptions,
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): Promise<number> {
  const t0 = performance.now();
  ensureWritableDir(o.out); // a bad --out fails before any work
  const lock = acquireOutLock(o.out, log);
  const signals = trapStopSignals(log);
  try {
    const state = openRun(o, log);
    const ctx: StageContext = { out: o.out, log, resume: o.resume, state, interrupt: signals.state };
    const { results } = await runStages(o, ctx, t0);
    log(finalLine(results));
    const v = results.check.violations;
    if (v.length === 0) return 0;
    const lines = v.map(
      (x) =>
        `  sample ${x.index} (${results.attack.originalClasses[x.index]}): certificate ${x.certificate.toFixed(4)} ≥ adversarial distance ${x.distance.toFixed(4)}`,
    );
    throw new CertificateViolationError(
      `demo4: ${v.length} certificate(s) NOT below the distance of the adversarial example found:\n${lines.join('\n')}\nThe network is not as Lipschitz as its construction claims: report this with ${outputPath(o.out, 'results')}.`,
    );
  } finally {
    signals.release();
    lock.release();
  }
}
