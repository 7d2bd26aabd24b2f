import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { FrobeniusConv2D, ReparametrizedLayer, SpectralConv2D } from '@lipnet/layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import { ModelImportError, loadTorchlipModel, readSafetensors, type TorchlipArchitecture } from '../src';
import { FIXTURES, fixtureBytes, relativeError, tensorOf, type SavedArray } from './helpers';

// A deel-torchlip 1.0.5 CNN trained briefly and exported by tools/reference/export_torchlip.py
// (fixtures_interop_torchlip.py): safetensors weights + JSON layers, and torchlip's logits on NCHW inputs.
const dir = path.join(FIXTURES, 'torchlip');
const architecture = (): TorchlipArchitecture =>
  JSON.parse(fs.readFileSync(path.join(dir, 'cnn.json'), 'utf8')) as TorchlipArchitecture;
const reference = JSON.parse(fs.readFileSync(path.join(dir, 'cnn.logits.json'), 'utf8')) as {
  probeNCHW: SavedArray;
  logits: SavedArray;
};
const weights = () => fixtureBytes('torchlip/cnn.safetensors');

describe('loadTorchlipModel', () => {
  it("reproduces torchlip's logits to 1e-5 on channels-last inputs", async () => {
    const model = await loadTorchlipModel(weights(), architecture());
    const x = tf.transpose(tensorOf(reference.probeNCHW), [0, 2, 3, 1]);
    const logits = model.predict(x) as tf.Tensor;
    const err = relativeError(logits, tensorOf(reference.logits));
    console.log(`torchlip cnn logits: max relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    expectTensorsClose(logits, tensorOf(reference.logits), { rtol: 1e-5, atol: 1e-6 });
    model.dispose();
  });

  it("gives @lipnet layers with torchlip's conv coefficient and power-iteration vector, that train on", async () => {
    const model = await loadTorchlipModel(weights(), JSON.stringify(architecture()));
    const convs = model.layers.filter(
      (l) => l instanceof SpectralConv2D || l instanceof FrobeniusConv2D,
    ) as SpectralConv2D[];
    expect(convs.map((c) => c.convCoefficient)).toEqual([1 / 3, 1 / 3]); // torchlip: 1/√(⌈3/1⌉·⌈3/1⌉)
    const u = readSafetensors('test', weights()).get('0.parametrizations.weight.0._u')!;
    expectTensorsClose(convs[0]!.getWeights()[2]!, tf.tensor(u.values, [1, 4]), { atol: 0, rtol: 0 });
    // After one training step, every Lipschitz layer's W̄ is recomputed from its raw kernel: still 1-Lipschitz
    // (orthonormal columns for the spectral dense layer).
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    await model.trainOnBatch(
      tf.randomNormal([4, 8, 8, 2], 0, 1, 'float32', 1),
      tf.randomNormal([4, 3], 0, 1, 'float32', 2),
    );
    const dense = model.getLayer('7') as ReparametrizedLayer;
    const [w] = dense.effectiveWeights();
    expectTensorsClose(tf.matMul(w!, w!, true), tf.eye(8), { atol: 5e-3 });
    model.dispose();
  });

  it('refuses modules, options and files it cannot reproduce, loading nothing', async () => {
    const before = tf.memory().numTensors;
    const withLayer = (i: number, patch: Record<string, unknown>) => {
      const a = architecture();
      Object.assign(a.layers[i]!, patch);
      return a;
    };
    await expect(loadTorchlipModel(weights(), withLayer(0, { paddingMode: 'reflect' }))).rejects.toThrow(
      /layer '0' \(torchlip SpectralConv2d\): option paddingMode="reflect" is not supported: lipnet's convolutions pad with zeros only/,
    );
    await expect(loadTorchlipModel(weights(), withLayer(1, { type: 'HouseHolder' }))).rejects.toThrow(
      /layer '1' \(torchlip HouseHolder\) is not supported/,
    );
    const a = architecture();
    a.layers.splice(7, 0, { name: 'x', type: 'GroupSort2', inputShape: [48], groupSize: 2 });
    await expect(loadTorchlipModel(weights(), a)).rejects.toThrow(
      /layer '6' \(torchlip Flatten\) must be followed by a SpectralLinear/,
    );
    await expect(loadTorchlipModel(weights(), withLayer(11, { outFeatures: 4 }))).rejects.toThrow(
      /'11.parametrizations.weight.original' has shape \[3, 6\].*needs \[4, 6\]/,
    );
    await expect(loadTorchlipModel(weights(), withLayer(7, { outFeatures: 9 }))).rejects.toThrow(
      /the layers do not fit together: GroupSort: expected `n` to divide the channel count 9/,
    );
    await expect(loadTorchlipModel(weights().slice(0, 3000), architecture())).rejects.toThrow(
      /places '.*' at bytes .* It is truncated or corrupt/,
    );
    await expect(loadTorchlipModel(weights(), '{"layers": []}')).rejects.toThrow(ModelImportError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('readSafetensors', () => {
  it('reads F32, F64, F16 and BF16 as float32, exactly as torch does', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'dtypes.json'), 'utf8')) as Record<
      string,
      (number | string)[]
    >;
    const t = readSafetensors('test', fixtureBytes('torchlip/dtypes.safetensors'));
    for (const [name, values] of Object.entries(expected)) {
      expect(t.get(name)!.shape).toEqual([2, 6]);
      expect(Array.from(t.get(name)!.values)).toEqual(
        values.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v))),
      );
    }
  });

  it('refuses a truncated header, a non-JSON header and an integer dtype', () => {
    expect(() => readSafetensors('f', new Uint8Array(4))).toThrow(/shorter than its 8-byte header length/);
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 8n, true);
    bad.set(new TextEncoder().encode('not json'), 8);
    expect(() => readSafetensors('f', bad)).toThrow(/header that is not JSON/);
    const header = new TextEncoder().encode(JSON.stringify({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }));
    const ints = new Uint8Array(8 + header.length + 8);
    new DataView(ints.buffer).setBigUint64(0, BigInt(header.length), true);
    ints.set(header, 8);
    expect(() => readSafetensors('f', ints)).toThrow(/stores 'n' as I64; lipnet reads float tensors/);
  });
});
