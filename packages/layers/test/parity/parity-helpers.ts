/**
 * Helpers for the parity tests against deel-lip / deel-torchlip fixtures
 * (tools/reference/fixtures_parity_*.py): fixture loading and one forward pass
 * with the gradients of sum(y·dy) w.r.t. the inputs and the trainable weights.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

export interface FixtureArray {
  shape: number[];
  values: number[];
}

/** One deel-torchlip fixture case (tools/reference/fixtures_parity_torchlip.py). */
export interface TorchlipCase {
  layer: string;
  tag?: string;
  config: Record<string, unknown>;
  inputs: FixtureArray[];
  output: FixtureArray;
  dy: FixtureArray;
  gradInputs: FixtureArray[];
  params: Record<string, FixtureArray>;
  gradParams: Record<string, FixtureArray>;
}

/** Parses test/fixtures/<name>. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8')) as T;
}

/** A tensor from a fixture array. */
export function t(a: FixtureArray): tf.Tensor {
  return tf.tensor(a.values, a.shape);
}

/** Relative 1e-5 with an absolute floor for values that cancel to ~0 (float32 sums of O(1) terms). */
export const PARITY = { rtol: 1e-5, atol: 1e-6 };

/** Output and gradients of sum(layer(inputs)·dy) w.r.t. the inputs and each trainable weight (by short name). */
export { forwardAndGrads } from '@lipnet/test-utils';
