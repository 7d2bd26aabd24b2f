/**
 * The C&W step graph: which models it takes, what it writes (read back with
 * tfjs-node's own protobuf messages, as TensorFlow's SavedModel loader reads
 * it), and, where `pnpm native:setup` built the addon and lipnet's ops, that
 * its forward pass and input gradient equal tfjs' eager ones on 'tensorflow'.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CW_STEP_FEEDS, CW_STEP_FETCHES, GraphBuilder, cwStepGraph, graphLayersOf, selectBackend } from '../src';
import { emitForward, emitInputGradient } from '../src/tf-graph/graph-layers';
import { GraphSession, loadApiPb } from '../src/tf-graph/graph-session';
import { ConfigLayer, tfjsNodeDir } from './graph-test-layers';

/** demo4's network after vanillaExport: conv 16, sort, pool, conv 32, sort, pool, flatten, dense 64, sort, dense 10. */
function demo4Layers(): tfl.layers.Layer[] {
  const sort = () => new ConfigLayer('GroupSort', { n: 2, kCoefLip: 1, dataFormat: 'channelsLast' });
  const pool = () =>
    new ConfigLayer('ScaledL2NormPooling2D', {
      poolSize: [2, 2],
      strides: [2, 2],
      padding: 'valid',
      dataFormat: 'channelsLast',
      kCoefLip: 1,
      epsGradSqrt: 1e-6,
    });
  const conv = (filters: number, inputShape?: number[]) =>
    tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', ...(inputShape ? { inputShape } : {}) });
  const layers = [
    conv(16, [28, 28, 1]),
    sort(),
    pool(),
    conv(32),
    sort(),
    pool(),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 64 }),
    sort(),
    tfl.layers.dense({ units: 10, useBias: false }),
  ];
  tfl.sequential({ layers });
  return layers;
}

test('graphLayersOf takes demo4 exported network and refuses what the graph does not write', () => {
  const layers = demo4Layers();
  const g = graphLayersOf(layers)!;
  expect(g.map((l) => l.spec.kind)).toEqual([
    'conv2d',
    'groupSort2',
    'l2Pool',
    'conv2d',
    'groupSort2',
    'l2Pool',
    'flatten',
    'dense',
    'groupSort2',
    'dense',
  ]);
  expect(g[2]!.spec).toEqual({ kind: 'l2Pool', pool: [2, 2], scale: 2, eps: 1e-6 });
  expect(g.map((l) => l.weights.length)).toEqual([2, 0, 0, 2, 0, 0, 0, 2, 0, 1]);
  expect(graphLayersOf([tfl.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] })])).toBeNull();
  expect(graphLayersOf([new ConfigLayer('GroupSort', { n: 4, kCoefLip: 1, dataFormat: 'channelsLast' })])).toBeNull();
  expect(graphLayersOf([tfl.layers.batchNormalization({ inputShape: [4] })])).toBeNull();
  layers.forEach((l) => l.dispose());
});

const maybe = tfjsNodeDir() ? test : test.skip;

maybe("the step graph, read back with tfjs-node's protobuf messages: feeds, fetches and the ops of each layer", () => {
  const pb = loadApiPb(tfjsNodeDir()!);
  const layers = graphLayersOf(demo4Layers())!;
  const shapes = layers.map((l) => l.weights.map((w) => w.shape as number[]));
  const spec = { layers, inputShape: [3, 28, 28, 1], numClasses: 10, a: 0.5, b: 0.5, kappa: 0, targeted: false };
  const graph = cwStepGraph({ ...spec, stepsize: 0.01 }, shapes);
  expect(graph.feeds.map((f) => f.name)).toEqual([
    ...CW_STEP_FEEDS,
    'weight_0_0',
    'weight_0_1',
    'weight_3_0',
    'weight_3_1',
    'weight_7_0',
    'weight_7_1',
    'weight_9_0',
  ]);
  const saved = pb.SavedModel.deserializeBinary(graph.toSavedModel(pb, 'serve'));
  const meta = saved.getMetaGraphsList()[0]!;
  expect(meta.getMetaInfoDef().getTagsList()).toEqual(['serve']);
  const nodes = meta.getGraphDef().getNodeList();
  const count = (op: string) => nodes.filter((n) => n.getOp() === op).length;
  expect(count('Conv2D')).toBe(2);
  expect(count('Conv2DBackpropInput')).toBe(2);
  expect(count('LipnetPairSort')).toBe(3);
  expect(count('LipnetPairSortGrad')).toBe(3);
  expect(count('LipnetL2Pool')).toBe(2);
  expect(count('LipnetL2PoolGrad')).toBe(2);
  expect(count('MatMul')).toBe(4);
  const names = new Set(nodes.map((n) => n.getName()));
  for (const f of Object.values(CW_STEP_FETCHES)) expect(names.has(f)).toBe(true);
  const pool = nodes.find((n) => n.getOp() === 'LipnetL2PoolGrad')!;
  expect(pool.getAttrMap().get('scale')!.getF()).toBe(2);
  expect(pool.getAttrMap().get('ph')!.getI()).toBe(2);
  const delta = nodes.find((n) => n.getName() === 'delta')!;
  const dims = delta.getAttrMap().get('shape')!.getShape().getDimList();
  expect(dims.map((d) => d.getSize())).toEqual([3, 28, 28, 1]);
});

test('GraphBuilder refuses a duplicate node name', () => {
  const g = new GraphBuilder();
  g.placeholder('x', 'float', [2]);
  expect(() => g.placeholder('x', 'float', [2])).toThrow(/duplicate node name 'x'/);
});

function nativeOpsBuilt(): boolean {
  const dir = tfjsNodeDir();
  if (!dir) return false;
  const lib = path.join(dir, 'lib');
  return fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'lipnet_ops.node')));
}

/** Keras layers only (their eager ops are tfjs' own): relu, 'valid' padding and stride 2 included. */
function kerasLayers(): tfl.layers.Layer[] {
  const layers = [
    tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 6, activation: 'relu' }),
    tfl.layers.dense({ units: 10, useBias: false }),
  ];
  tfl.sequential({ layers });
  return layers;
}

(nativeOpsBuilt() ? test : test.skip)(
  "on 'tensorflow': the graph's logits and input gradient equal the eager ones (1e-5), nothing leaks",
  async () => {
    await selectBackend({ prefer: 'tensorflow', log: null });
    const seqLayers = kerasLayers();
    const layers = graphLayersOf(seqLayers)!;
    const shapes = layers.map((l) => l.weights.map((w) => w.shape as number[]));
    const g = new GraphBuilder();
    const x = g.placeholder('x', 'float', [4, 28, 28, 1]);
    const dz = g.placeholder('dz', 'float', [4, 10]);
    const names = shapes.map((ws, i) => ws.map((s, j) => g.placeholder(`w_${i}_${j}`, 'float', s)));
    const fwd = emitForward(g, layers, x, [4, 28, 28, 1], names, shapes);
    expect(fwd.shape).toEqual([4, 10]);
    g.identity(fwd.output, 'z');
    g.identity(emitInputGradient(g, fwd, dz), 'dx');
    const session = GraphSession.load(g, loadApiPb(tfjsNodeDir()!), ['z', 'dx']);
    const xv = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3);
    const dzv = tf.randomNormal([4, 10], 0, 1, 'float32', 4);
    const eager = (v: tf.Tensor) => seqLayers.reduce((h, l) => l.apply(h) as tf.Tensor, v);
    const before = tf.memory().numTensors;
    const [z, dx] = session.run([xv, dzv, ...layers.flatMap((l) => l.weights.map((w) => w.read()))]);
    const ze = tf.tidy(() => eager(xv));
    const dxe = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(eager(v), dzv)))(xv));
    const maxAbs = (a: tf.Tensor, b?: tf.Tensor) =>
      tf.tidy(() => tf.max(tf.abs(b ? tf.sub(a, b) : a)).dataSync()[0] as number);
    expect(maxAbs(z!, ze)).toBeLessThan(1e-5 * maxAbs(ze));
    expect(maxAbs(dx!, dxe)).toBeLessThan(1e-5 * maxAbs(dxe));
    expect(maxAbs(dxe)).toBeGreaterThan(1e-3); // a gradient, not zeros
    tf.dispose([z!, dx!, ze, dxe]);
    expect(tf.memory().numTensors).toBe(before);
    session.dispose();
    session.dispose();
    expect(() => session.run([])).toThrow(/after dispose/);
    tf.dispose([xv, dzv]);
  },
  60_000,
);
