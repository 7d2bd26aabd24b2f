/**
 * The whole pipeline in this process (wasm in this thread, a few images): it leaves no
 * tensor behind, neither on a fresh run nor on a resume that reuses every
 * finished stage (the model and checkpoint loads of the reused stages).
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from '../src/cli';
import { probeFolder, searchLocations } from '../src/data/fashion-mnist';
import { runDemo } from '../src/run-demo';
import { tmpDir } from './helpers';

const haveData = searchLocations().some((l) => probeFolder(l).missing.length === 0);
const withData = haveData ? describe : describe.skip;

withData('runDemo in process', () => {
  it('leaks no tensors on a fresh run and on a resume that reuses every stage', async () => {
    const out = tmpDir();
    const flags = [
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--train-limit',
      '32',
      '--batch-size',
      '16',
      '--val-limit',
      '16',
    ];
    const args = [...flags, '--epochs', '1', '--attack-steps', '3', '--binary-search-steps', '1', '--out', out];
    const lines: string[] = [];
    const log = (s: string) => lines.push(s);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // progress bars
    try {
      const before = tf.memory().numTensors;
      expect(await runDemo(parseArgs(args), log)).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
      expect(await runDemo(parseArgs(['--resume', '--backend', 'wasm', '--out', out]), log)).toBe(0);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      process.stdout.write = write;
    }
    expect(lines).toContain('Stage report: finished in an earlier session; its outputs are unchanged and reused.');
  }, 120000);
});
