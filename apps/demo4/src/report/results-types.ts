/**
 * The type of results.json, schema version 2 (`schema/results.schema.json`
 * documents every field; a test validates written results against it).
 * Non-finite numbers (a distance where the attack found no adversarial) are
 * written as the strings "Infinity", "-Infinity", "NaN" and read back as numbers
 * by `nonFiniteFromString`.
 */
import * as path from 'path';
import type { BackendChoice } from '../backend';
import type { ExportReport } from '../model/export-model';
import type { ModelSummary } from '../model/summary';
import type { CheckReport } from '../robustness/attack';
import type { ProvenBoundReport } from '../robustness/proven-bound';
import type { RobustAccuracyReport } from '../robustness/robust-accuracy';
import type { Selection } from '../robustness/selection';
import type { DataReport } from '../stages/data';

/**
 * Version of the results.json layout; bumped on any incompatible change. 2: the proven bound (`bound`),
 * `certifiedRobustAccuracy`, proven `attack.certificates` with `attack.nominalCertificates` and
 * `attack.nominalCheck` beside them, `training.hyperparameters.convNormalization`.
 */
export const RESULTS_SCHEMA_VERSION = 2;

/** The schema file shipped with the app (`$id` urn:lipnet:demo4:results-schema:2); the report stage copies it next to results.json. */
export const RESULTS_SCHEMA_FILE = path.join(__dirname, '..', '..', 'schema', 'results.schema.json');

/** results.json. */
export interface Results {
  $schema: string;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  notebook: string;
  /** Arguments of the session that wrote the file. */
  commandLine: string[];
  /** Every option after the saved ones were restored on resume; `explicit`: the flags given. */
  options: Record<string, unknown> & { explicit: string[] };
  seed: number;
  backend: BackendChoice;
  versions: Record<string, string | null>;
  data: DataReport;
  model: { summary: ModelSummary; notebookTotalWithWbar: number; signature: string };
  training: {
    hyperparameters: {
      alpha: number;
      minMargin: number;
      learningRate: number;
      kCoefLip: number;
      deelLipVersion: string;
      /** `--conv-normalization`. */
      convNormalization: string;
      batchSize: number;
      epochs: number;
      optimizer: 'Adam';
      shuffle: boolean;
    };
    workers: number;
    /** Keras' History.history: per-epoch loss, accuracy, MulticlassKR and their val_ forms. */
    history: Record<string, number[]>;
    epochSeconds: number[];
    final: Record<string, number>;
    resumed: boolean;
  };
  export: ExportReport;
  /** The exported model's proven Lipschitz bound: per layer, per head, per logit difference, and what it proves. */
  bound: ProvenBoundReport;
  /** Certified robust accuracy on the whole test set per ε, proven and nominal. */
  certifiedRobustAccuracy: RobustAccuracyReport;
  attack: {
    selection: Selection;
    /** Proven certificates (from `bound`). */
    certificates: number[];
    /** The notebook's nominal certificates (top1 − top2)/2. */
    nominalCertificates: number[];
    /** L2 distance of each adversarial found; Infinity (written "Infinity") where none was found. */
    distances: number[];
    success: boolean[];
    originalClasses: string[];
    adversarialClasses: string[];
    top2: { values: [number, number]; classes: [number, number] }[];
    check: CheckReport;
    /** The nominal certificates against the same distances. */
    nominalCheck: CheckReport;
    attack: { name: string; binarySearchSteps: number; steps: number; stoppedEarly: boolean };
  };
  /** The proven certificates against the attack's distances. */
  check: CheckReport;
  /** Wall seconds per stage in the session that wrote the file (0: reused), total, training over all sessions. */
  timings: Record<string, number> & { total: number; trainingAllSessions: number };
  peakRssMB: number;
  finishedAt: string;
}
