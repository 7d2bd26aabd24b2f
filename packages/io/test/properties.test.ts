/**
 * Property tests (fast-check, fixed seed, 200 runs each) of `loadModel` on damaged model folders: model.json
 * or weights.bin truncated or with bytes overwritten, model.json replaced by random JSON, and random
 * `loadModel` options. The answer is a model (the damage missed what tfjs reads, e.g. a weight value) or a
 * LipnetError naming the folder or option — never a raw TypeError/SyntaxError, a hang or a leaked tensor.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { LipnetError } from '@lipnet/core';
import { damagedBytes, expectLipnetErrorNamingOption } from '@lipnet/test-utils';
import { loadModel, saveModel } from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS model builders shared with the crash child process
const { modelA } = require('./models.cjs') as { modelA: () => tfl.LayersModel };

const RUNS = { seed: 14, numRuns: 200 };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
/** Damage to a file: cut it at a fraction of its length, or overwrite a few bytes at fractions of it. */
const damage = fc.oneof(
  fc.record({ cutAt: fraction }),
  fc.record({ writes: fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }) }),
);

describe('loadModel on damaged folders: a model or a LipnetError naming the folder', () => {
  let tmp: string;
  let original: string;
  let n = 0;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-io-properties-'));
    original = path.join(tmp, 'original');
    await saveModel(modelA(), original);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A copy of the saved folder with `file` replaced by `bytes`. */
  function folderWith(file: string, bytes: Uint8Array): string {
    const dir = path.join(tmp, `m${n++}`);
    fs.cpSync(original, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), bytes);
    return dir;
  }

  /** loadModel(dir, options): 'model' (disposed) or 'error' (a LipnetError naming an option); tensors flat. */
  async function outcome(dir: string, options?: unknown): Promise<'model' | 'error'> {
    const before = tf.memory().numTensors;
    let result: 'model' | 'error';
    try {
      (await loadModel(dir, options as never)).dispose();
      result = 'model';
    } catch (e) {
      // The folder argument is named by its path (the message says which file in it); options by their key.
      if (e instanceof LipnetError && e.option === 'dir') expect(e.message).toContain(path.resolve(dir));
      else expectLipnetErrorNamingOption(e);
      result = 'error';
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
    return result;
  }

  it.each(['model.json', 'weights.bin'])('%s truncated or overwritten', async (file) => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(original, file)));
    const seen = { model: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        seen[await outcome(folderWith(file, damagedBytes(bytes, d)))]++;
      }),
      RUNS,
    );
    expect(seen.error).toBeGreaterThan(20);
  });

  it('model.json replaced by random JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (json) => {
        const bytes = new TextEncoder().encode(JSON.stringify(json));
        expect(await outcome(folderWith('model.json', bytes))).toBe('error');
      }),
      RUNS,
    );
  });

  it('random options', async () => {
    const options = fc.oneof(
      fc.dictionary(
        fc.constantFrom('strict', 'strictt', 'format'),
        fc.constantFrom(true, false, 'yes', 0, null, undefined),
        { maxKeys: 2 },
      ),
      fc.constantFrom(null, 'strict', 3, [true]),
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        await outcome(folderWith('model.json', fs.readFileSync(path.join(original, 'model.json'))), o);
      }),
      RUNS,
    );
  });
});
