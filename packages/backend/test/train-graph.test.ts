/**
 * The training graph (tf-graph/train-graph*.ts): which models it takes, and
 * what it writes — read back with tfjs-node's own protobuf messages where
 * tfjs-node is installed. That its gradients equal the eager pass's is
 * apps/demo4/test/train-graph-native.test.ts (needs `pnpm native:setup`).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { loadApiPb } from '../src/tf-graph/graph-session';
import { trainGraph } from '../src/tf-graph/train-graph';
import { trainLayersOf } from '../src/tf-graph/train-graph-layers';
import { setNativeWinograd } from '../src/tf-graph/native-training-forward';
import { ConfigLayer, tfjsNodeDir } from './graph-test-layers';

const sortAct = { className: 'GroupSort', config: { n: 2, kCoefLip: 1, dataFormat: 'channelsLast' } };
const conv = (cin: number, filters: number, extra: Record<string, unknown> = {}) =>
  new ConfigLayer(
    'SpectralConv2D',
    { strides: [1, 1], padding: 'same', dilationRate: [1, 1], activation: sortAct, useBias: true, ...extra },
    [3, 3, cin, filters],
  );
const pool = () =>
  new ConfigLayer('ScaledL2NormPooling2D', {
    poolSize: [2, 2],
    strides: [2, 2],
    padding: 'valid',
    dataFormat: 'channelsLast',
    kCoefLip: 1,
    epsGradSqrt: 1e-6,
  });

/** demo4's training network: conv 16 + sort, pool, conv 32 + sort, pool, flatten, dense 64 + sort, dense 10. */
function demo4Layers(): tfl.layers.Layer[] {
  const layers = [
    conv(1, 16),
    pool(),
    conv(16, 32),
    pool(),
    new ConfigLayer('Flatten', {}),
    new ConfigLayer('SpectralDense', { activation: sortAct, useBias: true }, [1568, 64]),
    new ConfigLayer('FrobeniusDense', { activation: null, useBias: false }, [64, 10]),
  ];
  layers.reduce((h: tfl.SymbolicTensor, l) => l.apply(h) as tfl.SymbolicTensor, tfl.input({ shape: [28, 28, 1] }));
  return layers;
}

test('trainLayersOf takes demo4 training network and refuses what the graph does not write', () => {
  const t = trainLayersOf(demo4Layers())!;
  expect(t.map((l) => l.spec.kind)).toEqual(['conv2d', 'l2Pool', 'conv2d', 'l2Pool', 'flatten', 'dense', 'dense']);
  expect(t[0]!.spec).toEqual({ kind: 'conv2d', strides: [1, 1], padding: 'SAME', bias: true, act: 'groupSort2' });
  expect(t[6]!.spec).toEqual({ kind: 'dense', bias: false, act: 'none' });
  expect(t.map((l) => l.kernelShape)).toEqual([[3, 3, 1, 16], null, [3, 3, 16, 32], null, null, [1568, 64], [64, 10]]);
  const one = (l: tfl.layers.Layer) => {
    l.apply(tfl.input({ shape: [8, 8, 2] }));
    return trainLayersOf([l]);
  };
  expect(one(conv(2, 4, { padding: 'circular' }))).toBeNull();
  expect(one(conv(2, 4, { dilationRate: [2, 2] }))).toBeNull();
  expect(one(conv(2, 4, { activation: 'tanh' }))).toBeNull();
  const sort4 = { className: 'GroupSort', config: { n: 4, kCoefLip: 1, dataFormat: 'channelsLast' } };
  expect(one(conv(2, 4, { activation: sort4 }))).toBeNull();
  expect(one(new ConfigLayer('SpectralConv2DTranspose', { padding: 'same' }, [3, 3, 2, 4]))).toBeNull();
  expect(trainLayersOf([tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] })])).toBeNull();
  expect(trainLayersOf([])).toBeNull();
});

const maybe = tfjsNodeDir() ? test : test.skip;

function opsOf(graph: ReturnType<typeof trainGraph>) {
  const pb = loadApiPb(tfjsNodeDir()!);
  const meta = pb.SavedModel.deserializeBinary(graph.graph.toSavedModel(pb, 'serve')).getMetaGraphsList()[0]!;
  const nodes = meta.getGraphDef().getNodeList();
  return (op: string) => nodes.filter((n) => n.getOp() === op).length;
}

maybe('the training graph of demo4 network: sorted activations of conv + pool pairs never written', () => {
  const layers = trainLayersOf(demo4Layers())!;
  const g = trainGraph(layers, [8, 28, 28, 1], { convSortPool: false });
  expect(g.weights).toEqual([
    ['kernel_0', 'bias_0'],
    [],
    ['kernel_2', 'bias_2'],
    [],
    [],
    ['kernel_5', 'bias_5'],
    ['kernel_6'],
  ]);
  expect(g.grads.map((d) => d.length)).toEqual([2, 0, 2, 0, 0, 2, 1]);
  const count = opsOf(g);
  expect(count('Conv2D')).toBe(2);
  expect(count('LipnetBiasPairSortL2Pool')).toBe(2);
  expect(count('LipnetBiasPairSort')).toBe(1); // the dense layer's only
  expect(count('LipnetBiasPairSortL2PoolGrad')).toBe(2);
  expect(count('Conv2DBackpropFilter')).toBe(2);
  expect(count('Conv2DBackpropInput')).toBe(1); // none for the input
  expect(count('MatMul')).toBe(2 + 2 + 2); // forward, dW and dh of both dense layers
  // the backward run reads: conv 1's z, conv 2's input and z, the flattened input of dense 64, its z, its output
  expect(g.saved).toHaveLength(6);
  expect(g.saved).not.toContain(g.x);
});

maybe('with the first-layer op: conv 1 is one op each way, and only x is read back for it', () => {
  const g = trainGraph(trainLayersOf(demo4Layers())!, [8, 28, 28, 1], { convSortPool: true });
  const count = opsOf(g);
  expect(count('LipnetConvBiasPairSortL2Pool')).toBe(1);
  expect(count('LipnetConvBiasPairSortL2PoolGrad')).toBe(1);
  expect(count('Conv2D')).toBe(1);
  expect(count('Conv2DBackpropFilter')).toBe(1);
  expect(g.grads[0]).toEqual([expect.stringMatching(/:0$/), expect.stringMatching(/:1$/)]);
  expect(g.saved).toHaveLength(5);
});

maybe('the first-layer op only where it computes the conv: stride 1 and kh·kw·Cin ≤ 256', () => {
  const chain = (first: tfl.layers.Layer, inputShape: number[]) => {
    const layers = [first, pool(), new ConfigLayer('Flatten', {})];
    layers.reduce((h: tfl.SymbolicTensor, l) => l.apply(h) as tfl.SymbolicTensor, tfl.input({ shape: inputShape }));
    return trainGraph(trainLayersOf(layers)!, [2, ...inputShape], { convSortPool: true });
  };
  expect(opsOf(chain(conv(28, 4), [8, 8, 28]))('LipnetConvBiasPairSortL2Pool')).toBe(1); // 252 taps
  expect(opsOf(chain(conv(29, 4), [8, 8, 29]))('LipnetConvBiasPairSortL2Pool')).toBe(0); // 261 taps
  const strided = chain(conv(1, 4, { strides: [2, 2] }), [8, 8, 1]);
  expect(opsOf(strided)('LipnetConvBiasPairSortL2Pool')).toBe(0);
  expect(opsOf(strided)('LipnetBiasPairSortL2Pool')).toBe(1);
});

/** The inputs of the graph's only node of op `op`. */
function inputsOf(graph: ReturnType<typeof trainGraph>, op: string): string[] {
  const pb = loadApiPb(tfjsNodeDir()!);
  const meta = pb.SavedModel.deserializeBinary(graph.graph.toSavedModel(pb, 'serve')).getMetaGraphsList()[0]!;
  const nodes = meta
    .getGraphDef()
    .getNodeList()
    .filter((n) => n.getOp() === op);
  expect(nodes).toHaveLength(1);
  return nodes[0]!.getInputList();
}

maybe('with the Winograd ops: conv 2 (3×3, 16 → 32) by LipnetWinogradConv2D and its two gradients', () => {
  const g = trainGraph(trainLayersOf(demo4Layers())!, [8, 28, 28, 1], { convSortPool: true, winograd: true });
  const count = opsOf(g);
  expect(count('LipnetWinogradConv2D')).toBe(1);
  expect(count('LipnetWinogradConv2DBackpropInput')).toBe(1);
  expect(count('LipnetWinogradConv2DBackpropFilter')).toBe(1);
  for (const stock of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) expect(count(stock)).toBe(0);
  expect(count('LipnetConvBiasPairSortL2Pool')).toBe(1); // the first layer keeps its op
  expect(inputsOf(g, 'LipnetWinogradConv2D')[1]).toBe('kernel_2');
  expect(inputsOf(g, 'LipnetWinogradConv2DBackpropInput')[0]).toBe('kernel_2'); // (w, dy): no input-size node
  expect(g.saved).toHaveLength(5); // as with Conv2D: conv 2's input and z are read back
  // Without the first-layer op, conv 1 (Cin = 1) is no Winograd conv: TensorFlow's forward and filter gradient.
  const plain = opsOf(
    trainGraph(trainLayersOf(demo4Layers())!, [8, 28, 28, 1], { convSortPool: false, winograd: true }),
  );
  expect([plain('Conv2D'), plain('Conv2DBackpropFilter'), plain('Conv2DBackpropInput')]).toEqual([1, 1, 0]);
  expect(plain('LipnetWinogradConv2D')).toBe(1);
});

maybe('the Winograd ops only where they compute the conv: 3×3, stride 1, same, channels multiples of 8', () => {
  const chain = (first: tfl.layers.Layer, inputShape: number[]) => {
    const layers = [first, new ConfigLayer('Flatten', {})];
    layers.reduce((h: tfl.SymbolicTensor, l) => l.apply(h) as tfl.SymbolicTensor, tfl.input({ shape: inputShape }));
    const g = trainGraph(trainLayersOf(layers)!, [2, ...inputShape], { convSortPool: false, winograd: true });
    return opsOf(g)('LipnetWinogradConv2D');
  };
  expect(chain(conv(8, 16), [6, 6, 8])).toBe(1);
  expect(chain(conv(12, 16), [6, 6, 12])).toBe(0); // Cin not a multiple of 8
  expect(chain(conv(8, 12), [6, 6, 8])).toBe(0); // Cout not a multiple of 8
  expect(chain(conv(8, 16, { strides: [2, 2] }), [6, 6, 8])).toBe(0);
  expect(chain(conv(8, 16, { padding: 'valid' }), [6, 6, 8])).toBe(0);
  const five = new ConfigLayer(
    'SpectralConv2D',
    { strides: [1, 1], padding: 'same', dilationRate: [1, 1], activation: sortAct, useBias: true },
    [5, 5, 8, 16],
  );
  expect(chain(five, [6, 6, 8])).toBe(0);
  // winograd: false (or absent) never uses them
  const layers = trainLayersOf(demo4Layers())!;
  expect(opsOf(trainGraph(layers, [8, 28, 28, 1], { convSortPool: true }))('LipnetWinogradConv2D')).toBe(0);
});

test('setNativeWinograd takes only a boolean, naming `on`', () => {
  for (const bad of ['0', 0, undefined, null])
    expect(() => setNativeWinograd(bad as unknown as boolean)).toThrow(
      /setNativeWinograd: expected `on` to be a boolean, got .*Pass true or false/,
    );
  setNativeWinograd(false);
  setNativeWinograd(true);
});
