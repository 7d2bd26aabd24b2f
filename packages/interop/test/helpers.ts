import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

/** A tensor saved by tools/reference as `{shape, values}`. */
export interface SavedArray {
  shape: number[];
  values: number[];
}

/** One import fixture of tools/reference/fixtures_interop_deel_lip.py. */
export interface ImportFixture {
  meta: Record<string, string>;
  layers: { name: string; className: string }[];
  probe: SavedArray;
  logits: SavedArray;
  weights: Record<string, SavedArray>;
  /** Each Lipschitz layer's `coef_lip` in the trained model and in deel-lip's own reload of the .keras file. */
  lipCoefficients: Record<string, { trained: number; reloadedByDeelLip: number }>;
  nextStep: {
    optimizer: { className: 'SGD'; learningRate: number };
    loss: { className: 'MulticlassHKR'; config: { alpha: number; minMargin: number } };
    x: SavedArray;
    y: SavedArray;
    lossValue: number;
    weights: Record<string, SavedArray>;
  };
}

export const FIXTURES = path.join(__dirname, 'fixtures');

/** The bytes of a fixture file. */
export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(FIXTURES, file)));
}

/** A deel-lip import fixture (`deel-lip/<name>.json`). */
export function importFixture(name: string): ImportFixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'deel-lip', `${name}.json`), 'utf8')) as ImportFixture;
}

/** A saved array as a tensor. */
export function tensorOf(a: SavedArray): tf.Tensor {
  return tf.tensor(a.values, a.shape);
}

/** max |a − b| / max |b| (the scale-relative error the parity tests report). */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}
