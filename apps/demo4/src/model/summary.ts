/**
 * A Keras-style `model.summary()` (TF 2.4 layout, 65 columns): layer name and
 * class, output shape, parameter count, then total / trainable / non-trainable.
 * Parameters are counted as tfjs holds them: every weight of every layer,
 * trainable or not (deel-lip's layers count their cached normalised kernels and
 * power-iteration vectors as non-trainable parameters the same way).
 */
import type * as tfl from '@tensorflow/tfjs-layers';

/** One row of the summary. */
export interface SummaryRow {
  name: string;
  className: string;
  /** e.g. `(None, 28, 28, 16)`. */
  outputShape: string;
  params: number;
  trainable: number;
}

/** The numbers of a summary. */
export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  total: number;
  trainable: number;
  nonTrainable: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Python-tuple rendering of a shape with `None` for the batch axis. */
export function formatShape(shape: (number | null)[] | (number | null)[][]): string {
  if (Array.isArray(shape[0])) return (shape as (number | null)[][]).map((s) => formatShape(s)).join(', ');
  const parts = (shape as (number | null)[]).map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** Collects rows and totals (the Input layer, which has no weights, is left out as Keras does for Sequential). */
export function summarize(model: tfl.LayersModel): ModelSummary {
  const rows: SummaryRow[] = model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => ({
      name: l.name,
      className: l.getClassName(),
      outputShape: formatShape(l.outputShape as (number | null)[]),
      params: l.weights.reduce((a, w) => a + size(w.shape as number[]), 0),
      trainable: l.trainableWeights.reduce((a, w) => a + size(w.shape as number[]), 0),
    }));
  const total = rows.reduce((a, r) => a + r.params, 0);
  const trainable = rows.reduce((a, r) => a + r.trainable, 0);
  return { name: model.name, rows, total, trainable, nonTrainable: total - trainable };
}

function row(fields: string[], positions: number[]): string {
  let line = '';
  fields.forEach((f, i) => {
    if (i > 0) line = `${line.slice(0, -1)} `;
    line = (line + f).slice(0, positions[i]);
    line += ' '.repeat(positions[i]! - line.length);
  });
  return line;
}

/** The summary text, laid out like Keras 2.4's `print_summary` for a sequential model. */
export function formatSummary(s: ModelSummary, lineLength = 65): string {
  const pos = [Math.floor(lineLength * 0.45), Math.floor(lineLength * 0.85), lineLength];
  const n = (x: number) => x.toLocaleString('en-US');
  const out = [
    `Model: "${s.name}"`,
    '_'.repeat(lineLength),
    row(['Layer (type)', 'Output Shape', 'Param #'], pos),
    '='.repeat(lineLength),
  ];
  s.rows.forEach((r, i) => {
    out.push(row([`${r.name} (${r.className})`, r.outputShape, String(r.params)], pos));
    out.push(i === s.rows.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  out.push(
    `Total params: ${n(s.total)}`,
    `Trainable params: ${n(s.trainable)}`,
    `Non-trainable params: ${n(s.nonTrainable)}`,
    '_'.repeat(lineLength),
  );
  return out.join('\n');
}
