/**
 * Property tests (fast-check, fixed seed) over the loaders on damaged files: random bytes, truncations and
 * byte overwrites of real deel-lip (.h5, .keras) and torchlip (safetensors + JSON) files, and random
 * architectures. The answer is a model (the damage missed everything the loader reads, e.g. a weight value)
 * or a LipnetError from the loader — never a raw TypeError/RangeError, a hang or a leaked tensor.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { LipnetError } from '@lipnet/core';
import { damagedBytes } from '@lipnet/test-utils';
import { loadDeelLipModel, loadTorchlipModel, readSafetensors } from '../src';
import { FIXTURES, fixtureBytes } from './helpers';

const SEED = 14;

/** Damage to a file: cut it at a fraction of its length, or overwrite a few bytes at fractions of it. */
const damage = fc.oneof(
  fc.record({ cutAt: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
  fc.record({
    writes: fc.array(
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 })),
      {
        minLength: 1,
        maxLength: 8,
      },
    ),
  }),
);

/** Runs a load: a model (disposed) or a LipnetError naming the loader; anything else fails. Tensors stay flat. */
async function modelOrLipnetError(who: string, load: () => Promise<tfl.LayersModel>): Promise<'model' | 'error'> {
  const before = tf.memory().numTensors;
  let outcome: 'model' | 'error';
  try {
    (await load()).dispose();
    outcome = 'model';
  } catch (e) {
    if (!(e instanceof LipnetError)) throw e;
    expect(e.who).toBe(who);
    expect(e.message.startsWith(`${who}: `)).toBe(true);
    outcome = 'error';
  }
  expect(tf.memory().numTensors).toBe(before);
  return outcome;
}

describe('loadDeelLipModel on damaged files: a model or a LipnetError', () => {
  it.each(['cnn.h5', 'cnn.keras'])('%s truncated or overwritten (200 runs)', async (file) => {
    const bytes = fixtureBytes(`deel-lip/${file}`);
    const outcomes = { model: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const options = { invertibleChannelOrder: 'spacetodepth' as const };
        outcomes[
          await modelOrLipnetError('loadDeelLipModel', () => loadDeelLipModel(damagedBytes(bytes, d), options))
        ]++;
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(outcomes.error).toBeGreaterThan(10);
  });

  it('random bytes, with and without a file signature (200 runs)', async () => {
    const signatures = [[], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], [0x50, 0x4b, 0x03, 0x04]];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 600 }), async (sig, rest) => {
        const bytes = Uint8Array.from([...sig, ...rest]);
        expect(await modelOrLipnetError('loadDeelLipModel', () => loadDeelLipModel(bytes))).toBe('error');
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('loadTorchlipModel and readSafetensors on damaged files: a model or a LipnetError', () => {
  const dir = path.join(FIXTURES, 'torchlip');
  const weights = fixtureBytes('torchlip/cnn.safetensors');
  const architecture = fs.readFileSync(path.join(dir, 'cnn.json'), 'utf8');

  it('damaged safetensors (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        await modelOrLipnetError('loadTorchlipModel', () => loadTorchlipModel(damagedBytes(weights, d), architecture));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('damaged architecture JSON (200 runs)', async () => {
    const text = new TextEncoder().encode(architecture);
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const json = new TextDecoder().decode(damagedBytes(text, d));
        await modelOrLipnetError('loadTorchlipModel', () => loadTorchlipModel(weights, json));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('random architectures: layers of random types and fields (200 runs)', async () => {
    const field = fc.oneof(fc.integer({ min: -2, max: 50 }), fc.constantFrom('x', null, true, [3], [1, 28, 28], {}));
    const layer = fc.record(
      {
        name: fc.constantFrom('0', '1', '3', '11', 'x'),
        type: fc.constantFrom('SpectralConv2d', 'SpectralLinear', 'GroupSort2', 'Flatten', 'MaxMin', 'Nope', 7),
        inputShape: fc.constantFrom([1, 28, 28], [48], [], 'x'),
        outFeatures: field,
        outChannels: field,
        kernelSize: field,
      },
      { requiredKeys: ['type'] },
    );
    const arch = fc.record({ inputShape: fc.constantFrom([1, 28, 28], [784], [0], 'x'), layers: fc.array(layer) });
    await fc.assert(
      fc.asyncProperty(arch, async (a) => {
        await modelOrLipnetError('loadTorchlipModel', () => loadTorchlipModel(weights, a as never));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('readSafetensors of random bytes after a random header length (200 runs)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 300 }), (n, rest) => {
        const head = new Uint8Array(8);
        new DataView(head.buffer).setBigUint64(0, n, true);
        try {
          readSafetensors('readSafetensors', Uint8Array.from([...head, ...rest]));
        } catch (e) {
          if (!(e instanceof LipnetError)) throw e;
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
