/** The files demo4 writes into `--out`, by role. */
import * as path from 'path';

/** File names inside `--out`. */
export const OUTPUT_FILES = {
  /** Newest training checkpoint. */
  checkpoint: 'checkpoint.bin',
  /** The checkpoint generation before it. */
  checkpointPrev: 'checkpoint.prev.bin',
  /** Run state: options, and every finished stage with its outputs' hashes. */
  runState: 'run.json',
  /** Held while a run uses the folder. */
  lock: 'demo4.lock',
  /** The vanilla export (model.json + weights.bin). */
  model: 'model',
  /** The attack's images and adversarials (exact float32, base64). */
  attack: 'attack.json',
  viz: 'adversarial_viz.png',
  vizSvg: 'adversarial_viz.svg',
  curves: 'training_curves.png',
  curvesSvg: 'training_curves.svg',
  /** Certified robust accuracy against ε on the test set, proven and nominal. */
  robustAccuracy: 'robust_accuracy.png',
  robustAccuracySvg: 'robust_accuracy.svg',
  /** The interactive report (every figure and the results tables; works offline). */
  report: 'report.html',
  results: 'results.json',
  /** results.json's JSON Schema (a copy of apps/demo4/schema/results.schema.json). */
  resultsSchema: 'results.schema.json',
} as const;

/** A role of {@link OUTPUT_FILES}. */
export type OutputRole = keyof typeof OUTPUT_FILES;

/** Absolute path of `role` in the output folder `out`. */
export function outputPath(out: string, role: OutputRole): string {
  return path.join(out, OUTPUT_FILES[role]);
}
