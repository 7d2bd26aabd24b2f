import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { frobeniusDense, GroupSort, sequential, spectralDense } from '@lipnet/layers';
import { fileSystem, loadModel, saveModel } from '../src';

function lipschitzModel(): tfl.LayersModel {
  return sequential({
    layers: [
      spectralDense({ units: 8, inputShape: [4], activation: new GroupSort({ n: 2 }) }),
      frobeniusDense({ units: 3, useBias: false }),
    ],
    kCoefLip: 1,
  });
}

describe('saveModel / loadModel', () => {
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-io-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);

  it('round-trips a @lipnet/layers model: same config, same weights, bit-identical predictions', async () => {
    const model = lipschitzModel();
    const dir = path.join(tmp, 'nested/lip');
    const files = await saveModel(model, dir);
    expect(files).toEqual({
      modelJson: path.join(dir, 'model.json'),
      weightsBin: path.join(dir, 'weights.bin'),
      weightBytes: model.getWeights().reduce((n, w) => n + 4 * w.size, 0),
    });
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const again = await loadModel(dir);
    expect(again.getConfig()).toEqual(model.getConfig());
    expect(again.layers.map((l) => l.getClassName())).toEqual(['SpectralDense', 'FrobeniusDense']);
    const [a, b] = [model.predict(x) as tf.Tensor, again.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  });

  it('writes the standard TF.js files, which tfjs itself loads without this package', async () => {
    const model = lipschitzModel();
    const dir = path.join(tmp, 'standard');
    await saveModel(model, dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v4\./);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual(['./weights.bin']);
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const viaTfjs = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData,
      }),
    );
    const [a, b] = [model.predict(x) as tf.Tensor, viaTfjs.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  });

  it('reads several weight shards in manifest order (as tfjs-node and the converter write them)', async () => {
    const model = lipschitzModel();
    const dir = path.join(tmp, 'shards');
    await saveModel(model, dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    const cut = 20;
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), bin.subarray(0, cut));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), bin.subarray(cut));
    fs.rmSync(path.join(dir, 'weights.bin'));
    json.weightsManifest[0]!.paths = ['group1-shard1of2.bin', './group1-shard2of2.bin'];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const again = await loadModel(dir);
    expect(Array.from((again.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
  });

  it('overwrites a model with another architecture, leaving only the new files', async () => {
    const dir = path.join(tmp, 'overwrite');
    await saveModel(lipschitzModel(), dir);
    const small = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [4] })] });
    await saveModel(small, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect((await loadModel(dir)).layers.map((l) => l.getClassName())).toEqual(['Dense']);
  });

  it('works as an IOHandler with model.save and tf.loadLayersModel', async () => {
    const model = lipschitzModel();
    const dir = path.join(tmp, 'handler');
    const result = await model.save(fileSystem(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(fs.statSync(path.join(dir, 'weights.bin')).size);
    const again = await tfl.loadLayersModel(fileSystem(dir));
    expect(again.getConfig()).toEqual(model.getConfig());
  });

  it('leaves no tensor behind: save and load allocate only the reloaded model', async () => {
    const model = lipschitzModel();
    const dir = path.join(tmp, 'leak');
    await saveModel(model, dir);
    (await loadModel(dir)).dispose();
    const before = tf.memory().numTensors;
    await saveModel(model, dir);
    const again = await loadModel(dir);
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
