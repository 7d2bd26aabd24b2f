import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose } from '@lipnet/test-utils';
import { groupSort2, groupSort2AsBuiltins } from '../../src/activations';
import { randn } from './probe';

const BUILTINS = new Set(['InputLayer', 'Dense', 'ReLU', 'Add', 'Rescaling', 'VarianceScaling', 'Zeros']);

function classNames(topology: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['class_name'] === 'string') out.push(o['class_name']);
      Object.values(o).forEach(walk);
    }
  };
  walk(topology);
  return out;
}

describe('groupSort2AsBuiltins', () => {
  it('equals GroupSort(2) to 1e-6 on dense and image inputs, with ties, for k = 1 and k = 1.5', () => {
    for (const k of [1, 1.5]) {
      const inp = tfl.input({ shape: [8] });
      const model = tfl.model({ inputs: inp, outputs: groupSort2AsBuiltins(inp, { kCoefLip: k }) });
      const vals = randn(16 * 8, 100 + k);
      vals[0] = vals[1]!; // a tie
      const x = tf.tensor2d(vals, [16, 8]);
      expectTensorsClose(model.predict(x) as tf.Tensor, groupSort2({ kCoefLip: k }).apply(x) as tf.Tensor, {
        atol: 1e-6,
        rtol: 1e-6,
      });
      expectTensorsClose(model.predict(tf.tensor2d([[3, 1, -2, 5, 0, 0, 7, -7]])) as tf.Tensor, [
        [1, 3, -2, 5, 0, 0, -7, 7].map((v) => k * v),
      ]);
      expect(model.trainableWeights).toHaveLength(0);
    }
    const img = tfl.input({ shape: [3, 3, 4] });
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(img) as tfl.SymbolicTensor;
    const m2 = tfl.model({ inputs: img, outputs: groupSort2AsBuiltins(conv, { name: 'gs' }) });
    const ref = tfl.model({ inputs: img, outputs: groupSort2().apply(conv) as tfl.SymbolicTensor });
    const xi = tf.tensor4d(randn(2 * 36, 105), [2, 3, 3, 4]);
    expectTensorsClose(m2.predict(xi) as tf.Tensor, ref.predict(xi) as tf.Tensor, { atol: 1e-6, rtol: 1e-6 });
    expect(m2.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['gs_diff', 'gs_relu', 'gs_back', 'gs_add']));
  });

  it('saves a model of tfjs built-ins only, which a process without @lipnet reloads with the same predictions', async () => {
    const inp = tfl.input({ shape: [6] });
    const h = tfl.layers.dense({ units: 6 }).apply(inp) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: groupSort2AsBuiltins(h, { kCoefLip: 0.5 }) });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((a) => {
        artifacts = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    const names = classNames(artifacts!.modelTopology);
    expect(names.filter((n) => n !== 'Model' && n !== 'Functional' && !BUILTINS.has(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['Dense', 'ReLU', 'Add', 'Rescaling']));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs2-builtins-'));
    fs.writeFileSync(path.join(dir, 'topology.json'), JSON.stringify(artifacts!.modelTopology));
    fs.writeFileSync(path.join(dir, 'specs.json'), JSON.stringify(artifacts!.weightSpecs));
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts!.weightData as ArrayBuffer));
    const xv = randn(4 * 6, 110);
    const script = `
      const fs = require('fs'); const path = require('path');
      const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-backend-cpu');
      const tfl = require('@tensorflow/tfjs-layers');
      (async () => {
        await tf.setBackend('cpu');
        const d = process.argv[1];
        const buf = fs.readFileSync(path.join(d, 'weights.bin'));
        const m = await tfl.loadLayersModel(tf.io.fromMemory({
          modelTopology: JSON.parse(fs.readFileSync(path.join(d, 'topology.json'), 'utf8')),
          weightSpecs: JSON.parse(fs.readFileSync(path.join(d, 'specs.json'), 'utf8')),
          weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
        }));
        const y = m.predict(tf.tensor2d(${JSON.stringify(xv)}, [4, 6]));
        process.stdout.write(JSON.stringify(Array.from(y.dataSync())));
      })();`;
    const out = execFileSync(process.execPath, ['-e', script, dir], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    fs.rmSync(dir, { recursive: true, force: true });
    const expected = tfl.model({ inputs: inp, outputs: groupSort2({ kCoefLip: 0.5 }).apply(h) as tfl.SymbolicTensor });
    expectTensorsClose(JSON.parse(out) as number[], expected.predict(tf.tensor2d(xv, [4, 6])) as tf.Tensor, {
      atol: 1e-6,
      rtol: 1e-6,
    });
  });

  it('rejects an odd or unknown channel count', () => {
    expect(() => groupSort2AsBuiltins(tfl.input({ shape: [5] }))).toThrow(
      /groupSort2AsBuiltins: expected the input's last dimension to be a known even number, got 5\./,
    );
    expect(() => groupSort2AsBuiltins(tfl.input({ shape: [4] }), { kCoefLip: -2 })).toThrow(/`kCoefLip`.*got -2/);
  });
});
