import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectTensorsClose, singularValues } from '@lipnet/test-utils';
import {
  SpectralDense,
  SpectralConv2D,
  FrobeniusDense,
  GroupSort,
  sequential,
  condense,
  vanillaExport,
  CondenseCallback,
  MonitorCallback,
  largestSingularValue,
} from '../src';
import { effectiveKernel, kernelSingularValues, empiricalLipschitz, fitSteps } from './helpers';

const BUILTIN = new Set(['InputLayer', 'Dense', 'Conv2D', 'Flatten', 'Activation', 'ReLU']);

describe('sequential({layers, kCoefLip})', () => {
  it('gives each of the n Lipschitz layers k^(1/n), and the model is k-Lipschitz (measured)', () => {
    const warnings: string[] = [];
    const model = sequential({
      layers: [
        new SpectralDense({ units: 8, inputShape: [6] }),
        new GroupSort({ n: 2 }),
        new SpectralDense({ units: 4 }),
      ],
      kCoefLip: 8,
      name: 'lip',
      warn: (m) => warnings.push(m),
    });
    expect(model.name).toBe('lip');
    expect(warnings).toEqual([]);
    for (const l of model.layers) expect((l as unknown as { kCoefLip: number }).kCoefLip).toBeCloseTo(2, 10);
    const lip = empiricalLipschitz((x) => model.apply(x) as tf.Tensor, [6], { samples: 3, steps: 30 });
    expect(lip.max).toBeLessThanOrEqual(8 * (1 + 1e-3));
    expect(lip.max).toBeGreaterThan(4); // not vacuous
  });

  it('warns for a layer that is not Lipschitz, naming it, and not for Flatten', () => {
    const warnings: string[] = [];
    sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [2, 3] }),
        tfl.layers.dense({ units: 3, name: 'plain' }),
        new SpectralDense({ units: 2 }),
      ],
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/'plain' \(Dense\) is not a Lipschitz layer/);
  });

  it('rejects a bad kCoefLip', () => {
    expect(() => sequential({ layers: [], kCoefLip: -1 })).toThrow(
      /sequential: expected `kCoefLip` to be a finite number > 0, got -1/,
    );
  });
});

describe('condense and CondenseCallback', () => {
  it('condense(model) folds W̄ into the raw kernels without changing predictions', () => {
    const model = sequential({
      layers: [
        new SpectralDense({ units: 5, inputShape: [4], kernelInitializer: 'glorotUniform' }),
        new FrobeniusDense({ units: 3 }),
      ],
    });
    const x = tf.randomNormal([3, 4]);
    const y0 = model.predict(x) as tf.Tensor;
    expect(singularValues(model.layers[0]!.getWeights()[0]!.dataSync(), 4, 5)[0]).not.toBeCloseTo(1, 2);
    expect(condense(model)).toBe(2);
    const s = singularValues(model.layers[0]!.getWeights()[0]!.dataSync(), 4, 5);
    for (const v of s) expect(v).toBeCloseTo(1, 2); // raw kernel now orthogonal
    expectTensorsClose(model.predict(x) as tf.Tensor, y0, { atol: 2e-3 });
  });

  it('CondenseCallback condenses at each epoch end during fit', async () => {
    const layer = new SpectralDense({ units: 3, inputShape: [3], kernelInitializer: 'glorotUniform' });
    const model = sequential({ layers: [layer] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    await model.fit(tf.randomNormal([4, 3]), tf.randomNormal([4, 3]), {
      epochs: 3,
      verbose: 0,
      callbacks: [new CondenseCallback()],
    });
    const s = kernelSingularValues(layer.getWeights()[0]!);
    for (const v of s) expect(v).toBeCloseTo(1, 2);
  });
});

describe('MonitorCallback', () => {
  it('records σ_max of each effective kernel per epoch, agreeing with the Jacobi SVD', async () => {
    const model = sequential({
      layers: [
        new SpectralDense({ units: 4, inputShape: [6], kCoefLip: 1 }),
        new FrobeniusDense({ units: 2, disjointNeurons: false }),
      ],
    });
    const mon = new MonitorCallback();
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    await model.fit(tf.randomNormal([4, 6]), tf.randomNormal([4, 2]), { epochs: 2, verbose: 0, callbacks: [mon] });
    expect(mon.records.map((r) => [r.step, r.layer])).toEqual([
      [0, model.layers[0]!.name],
      [0, model.layers[1]!.name],
      [1, model.layers[0]!.name],
      [1, model.layers[1]!.name],
    ]);
    const last = mon.records.slice(-2);
    for (const [i, r] of last.entries()) {
      const svd = kernelSingularValues(effectiveKernel(model.layers[i]!))[0]!;
      expect(r.sigmaMax).toBeCloseTo(svd, 3);
    }
    expect(() => new MonitorCallback({ iterations: 0 })).toThrow(/`iterations`.*got 0/);
    expect(() => new MonitorCallback({ monitoredLayers: ['nope'] }).measure(model, 0)).toThrow(
      /`monitoredLayers` names no layer \[.nope.\]/,
    );
  });

  it('largestSingularValue matches the Jacobi SVD', () => {
    const w = tf.randomNormal([7, 5], 0, 1, 'float32', 3);
    expect(largestSingularValue(w, 300)).toBeCloseTo(singularValues(w.dataSync(), 7, 5)[0]!, 3);
  });
});

describe('vanillaExport(model)', () => {
  it('gives plain Dense/Conv2D layers only (relu network), equal predictions to 1e-5, and a model that reloads from JSON', async () => {
    const model = sequential({
      layers: [
        new SpectralConv2D({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [8, 8, 1] }),
        tfl.layers.flatten(),
        new SpectralDense({ units: 6, activation: 'relu' }),
        new FrobeniusDense({ units: 3, useBias: false }),
      ],
    });
    await fitSteps(model, [8, 8, 1], 3, 0.05);
    const plain = vanillaExport(model);
    const body = plain.layers.filter((l) => l.getClassName() !== 'InputLayer');
    expect(body.map((l) => l.getClassName())).toEqual(['Conv2D', 'Flatten', 'Dense', 'Dense']);
    expect(body.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const json = JSON.stringify(plain.toJSON(null, false));
    const used = new Set([...json.matchAll(/"class_name":"([A-Za-z0-9]+)"/g)].map((m) => m[1]!));
    for (const c of used)
      expect(
        BUILTIN.has(c) ||
          c === 'Sequential' ||
          c.endsWith('Initializer') ||
          ['GlorotUniform', 'Zeros', 'VarianceScaling'].includes(c),
      ).toBe(true);
    const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 9);
    expectTensorsClose(plain.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-5, rtol: 1e-5 });
    // reload: topology + weights through the tfjs IO path
    let artifacts: tf.io.ModelArtifacts | undefined;
    await plain.save(
      tf.io.withSaveHandler(
        (a) => (
          (artifacts = a),
          Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })
        ),
      ),
    );
    const back = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    expectTensorsClose(back.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-5, rtol: 1e-5 });
  });

  it('keeps a layer activation (GroupSort) as its own layer after the Dense', () => {
    const model = sequential({
      layers: [new SpectralDense({ units: 4, activation: new GroupSort({ n: 2 }), inputShape: [3] })],
    });
    const plain = vanillaExport(model);
    expect(plain.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'GroupSort']);
    const x = tf.randomNormal([4, 3]);
    expectTensorsClose(plain.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6 });
    expect(() => (model.layers[0] as SpectralDense).vanillaExport()).toThrow(
      /layer activation \(GroupSort\).*vanillaExportLayers\(\)/,
    );
  });

  it('exports right after loading weights without any training call (no stale wbar)', () => {
    const src = sequential({ layers: [new SpectralDense({ units: 3, inputShape: [4] })] });
    const dst = sequential({ layers: [new SpectralDense({ units: 3, inputShape: [4] })] });
    dst.predict(tf.ones([1, 4])); // fill dst's cache with its own weights
    dst.setWeights(src.getWeights());
    const x = tf.randomNormal([2, 4]);
    expectTensorsClose(vanillaExport(dst).predict(x) as tf.Tensor, src.predict(x) as tf.Tensor, { atol: 1e-6 });
  });
});

describe('initializer instances in the config', () => {
  it('SpectralInitializer and tfjs initializer instances survive save → load', async () => {
    const { SpectralInitializer } = await import('../src');
    const { saveLoadRoundTrip } = await import('@lipnet/test-utils');
    const model = sequential({
      layers: [
        new SpectralDense({
          units: 4,
          inputShape: [3],
          kernelInitializer: new SpectralInitializer({ seed: 5 }),
        }),
        new FrobeniusDense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const back = await saveLoadRoundTrip(model);
    expect(back.layers[0]!.getConfig()['kernelInitializer']).toEqual({
      className: 'SpectralInitializer',
      config: { kCoefLip: 1, seed: 5 },
    });
    expect((back.layers[1]!.getConfig()['kernelInitializer'] as { className: string }).className).toMatch(
      /^(GlorotUniform|VarianceScaling)$/,
    );
    const x = tf.randomNormal([2, 3]);
    expectTensorsClose(back.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-6 });
  });
});

describe('vanillaExport of a functional model', () => {
  it('rebuilds the graph node by node (branches, merge, nested Sequential) with equal predictions', () => {
    const inp = tfl.input({ shape: [5] });
    const h = new SpectralDense({ units: 6, activation: 'relu', name: 'trunk' }).apply(inp) as tfl.SymbolicTensor;
    const a = new SpectralDense({ units: 4, name: 'branch_a' }).apply(h) as tfl.SymbolicTensor;
    const inner = sequential({
      layers: [new FrobeniusDense({ units: 4, inputShape: [6], name: 'inner_frob' })],
      name: 'inner',
    });
    const b = inner.apply(h) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'merge' }).apply([a, b]) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, name: 'head' }).apply(sum) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: inp, outputs: out });
    const plain = vanillaExport(model);
    const names = plain.layers.map((l) => `${l.name}:${l.getClassName()}`);
    expect(names).toEqual(expect.arrayContaining(['trunk:Dense', 'branch_a:Dense', 'merge:Add', 'head:Dense']));
    const innerPlain = plain.layers.find((l) => l.getClassName() === 'Sequential') as tfl.Sequential;
    expect(innerPlain.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.getClassName())).toEqual([
      'Dense',
    ]);
    const x = tf.randomNormal([3, 5]);
    expectTensorsClose(plain.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 1e-5, rtol: 1e-5 });
  });

  it('refuses shared layers', () => {
    const shared = new SpectralDense({ units: 3, name: 'shared' });
    const i1 = tfl.input({ shape: [3] });
    const o = shared.apply(shared.apply(i1)) as tfl.SymbolicTensor;
    expect(() => vanillaExport(tfl.model({ inputs: i1, outputs: o }))).toThrow(
      /layer 'shared' is used 2 times \(shared layer\)/,
    );
  });
});
