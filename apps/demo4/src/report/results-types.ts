/**
 * The type of results.json, schema version 1 (`schema/results.schema.json`
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
import type { Selection } from '../robustness/selection';
import type { DataReport } from '../stages/data';

/** Version of the results.json layout; bumped on any incompatible change. */
export const RESULTS_SCHEMA_VERSION = 1;

/** The schema file shipped with the app (`$id` urn:lipnet:demo4:results-schema:1); the report stage copies it next to results.json. */
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
  attack: {
    selection: Selection;
    certificates: number[];
    /** L2 distance of each adversarial found; Infinity (written "Infinity") where none was found. */
    distances: number[];
    success: boolean[];
    originalClasses: string[];
    adversarialClasses: string[];
    top2: { values: [number, number]; classes: [number, number] }[];
    check: CheckReport;
    attack: { name: string; binarySearchSteps: number; steps: number; stoppedEarly: boolean };
  };
  check: CheckReport;
  /** Wall seconds per stage in the session that wrote the file (0: reused), total, training over all sessions. */
  timings: Record<string, number> & { total: number; trainingAllSessions: number };
  peakRssMB: number;
  finishedAt: string;
}
