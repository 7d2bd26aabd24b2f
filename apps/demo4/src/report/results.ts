/**
 * results.json: every number of a run — options, backend, versions, data,
 * model, training history, export check, certificates, attack distances and
 * the certificate check, timings.
 */
import type { BackendChoice } from '../backend';
import type { CliOptions } from '../cli';
import { NOTEBOOK } from '../model/hkr-model';
import type { StageName } from '../pipeline/stage';
import type { AttackOutput } from '../stages/attack';
import type { CertifyOutput } from '../stages/certify';
import type { DataOutput } from '../stages/data';
import type { ExportOutput } from '../stages/export';
import type { ModelOutput } from '../stages/model';
import type { TrainOutput } from '../stages/train';
import { collectVersions } from '../versions';
import { RESULTS_SCHEMA_VERSION, type Results } from './results-types';

export type { Results };

/** Everything results.json is built from. */
export interface ResultsInput {
  options: CliOptions;
  backend: BackendChoice;
  data: DataOutput;
  model: ModelOutput;
  trained: TrainOutput;
  exported: ExportOutput;
  certified: CertifyOutput;
  attacked: AttackOutput;
  /** Wall seconds per stage in this session (0: reused from an earlier one). */
  seconds: Partial<Record<StageName, number>>;
  /** Seconds since the session started. */
  totalSeconds: number;
  resumed: boolean;
}

/** The last value of each history series. */
export function finalValues(history: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v[v.length - 1] ?? NaN]));
}

/** Builds the results object (see the schema for every field). */
export function buildResults(r: ResultsInput): Results {
  const { certified: c, attacked: a, trained: t } = r;
  return {
    $schema: './results.schema.json',
    schemaVersion: RESULTS_SCHEMA_VERSION,
    notebook: 'deel-lip Demo 4: HKR multiclass and fooling (deel-lip 1.2.0 semantics)',
    commandLine: process.argv.slice(2),
    options: { ...r.options, explicit: [...r.options.explicit] },
    seed: r.options.seed,
    backend: r.backend,
    versions: collectVersions(),
    data: r.data.report,
    model: {
      summary: r.model.summary,
      notebookTotalWithWbar: r.model.notebookTotalWithWbar,
      signature: r.model.signature,
    },
    training: {
      hyperparameters: {
        ...NOTEBOOK,
        convNormalization: r.options.convNormalization,
        batchSize: r.options.batchSize,
        epochs: t.epochs,
        optimizer: 'Adam',
        shuffle: true,
      },
      workers: t.workers,
      history: t.history,
      epochSeconds: t.epochSeconds,
      final: finalValues(t.history),
      resumed: r.resumed,
    },
    export: r.exported.report,
    bound: c.bound,
    certifiedRobustAccuracy: c.robustAccuracy,
    attack: {
      selection: c.selection,
      certificates: c.certificates,
      nominalCertificates: c.nominalCertificates,
      distances: a.distances,
      success: a.success,
      originalClasses: c.classNames,
      adversarialClasses: a.adversarialClasses,
      top2: c.top2,
      check: a.check,
      nominalCheck: a.nominalCheck!,
      attack: a.attack,
    },
    check: a.check,
    timings: {
      ...(r.seconds as Record<string, number>),
      total: r.totalSeconds,
      trainingAllSessions: t.epochSeconds.reduce((x, y) => x + y, 0),
    },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    finishedAt: new Date().toISOString(),
  };
}
