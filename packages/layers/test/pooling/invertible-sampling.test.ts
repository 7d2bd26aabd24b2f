import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors, expectTensorsClose, saveLoadRoundTrip } from '@lipnet/test-utils';
import {
  InvertibleDownSampling,
  InvertibleUpSampling,
  invertibleDownSampling,
  invertibleUpSampling,
} from '../../src/pooling';
import { isLipschitzLayer } from '../../src/lipschitz-layer';
import { fixtureCases, jacobianNorm, randn, toTensor } from '../activations/probe';

/** Plain-JS PixelUnshuffle on NHWC: y[b, h, w, c·ph·pw + i·pw + j] = x[b, h·ph + i, w·pw + j, c]. */
function jsPixelUnshuffle(x: number[], [b, h, w, c]: number[], [ph, pw]: number[]): number[] {
  const ho = h! / ph!;
  const wo = w! / pw!;
  const co = c! * ph! * pw!;
  const y = new Array<number>(x.length);
  for (let n = 0; n < b!; n++)
    for (let r = 0; r < h!; r++)
      for (let s = 0; s < w!; s++)
        for (let ch = 0; ch < c!; ch++) {
          const [hh, i, ww, j] = [Math.floor(r / ph!), r % ph!, Math.floor(s / pw!), s % pw!];
          y[((n * ho + hh) * wo + ww) * co + ch * ph! * pw! + i * pw! + j] = x[((n * h! + r) * w! + s) * c! + ch]!;
        }
  return y;
}

describe('InvertibleDownSampling / InvertibleUpSampling', () => {
  it('uses the deel-lip 1.5.1 / PyTorch PixelUnshuffle channel order (closed form and JS reference)', () => {
    // one channel, 2×2 block: channels are (i, j) = (0,0), (0,1), (1,0), (1,1)
    expectTensorsClose(
      invertibleDownSampling({ poolSize: 2 }).apply(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])) as tf.Tensor,
      [[[[1, 2, 3, 4]]]],
    );
    // two channels: c-major, so [c0 block, c1 block]
    const x = tf.tensor4d([10, 20, 11, 21, 12, 22, 13, 23], [1, 2, 2, 2]);
    expectTensorsClose(invertibleDownSampling({ poolSize: 2 }).apply(x) as tf.Tensor, [
      [[[10, 11, 12, 13, 20, 21, 22, 23]]],
    ]);
    expectTensorsClose(invertibleDownSampling({ poolSize: 2, channelOrder: 'spacetodepth' }).apply(x) as tf.Tensor, [
      [[[10, 20, 11, 21, 12, 22, 13, 23]]],
    ]);
    const shape = [2, 4, 6, 3];
    const vals = randn(2 * 4 * 6 * 3, 600);
    for (const pool of [
      [2, 2],
      [2, 3],
      [4, 1],
    ] as Array<[number, number]>) {
      const y = invertibleDownSampling({ poolSize: pool }).apply(tf.tensor4d(vals, [2, 4, 6, 3])) as tf.Tensor;
      expect(y.shape).toEqual([2, 4 / pool[0], 6 / pool[1], 3 * pool[0] * pool[1]]);
      expectTensorsClose(y, jsPixelUnshuffle(vals, shape, pool), { atol: 0, rtol: 0 });
    }
  });

  it('matches deel-lip: 1.5.0 (installed, spacetodepth order) and the 1.5.1 PixelUnshuffle order', () => {
    const down = fixtureCases('InvertibleDownSampling');
    expect(down.map((c) => c.config['channelOrder']).sort()).toEqual([
      'pixelshuffle',
      'pixelshuffle',
      'spacetodepth',
      'spacetodepth',
    ]);
    for (const c of down) {
      const layer = new InvertibleDownSampling({
        poolSize: c.config['poolSize'] as [number, number],
        channelOrder: c.config['channelOrder'] as 'pixelshuffle',
      });
      expectTensorsClose(layer.apply(toTensor(c.input)) as tf.Tensor, toTensor(c.output), { atol: 0, rtol: 0 });
    }
    const [up] = fixtureCases('InvertibleUpSampling');
    const layer = new InvertibleUpSampling({ poolSize: [2, 2], channelOrder: 'spacetodepth' });
    expectTensorsClose(layer.apply(toTensor(up!.input)) as tf.Tensor, toTensor(up!.output), { atol: 0, rtol: 0 });
  });

  it('up(down(x)) = x and down(up(y)) = y for non-square pools, both orders and both data formats', () => {
    for (const channelOrder of ['pixelshuffle', 'spacetodepth'] as const) {
      for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
        const shape: [number, number, number, number] = dataFormat === 'channelsLast' ? [2, 4, 6, 3] : [2, 3, 4, 6];
        const x = tf.tensor4d(randn(144, 610), shape);
        const d = invertibleDownSampling({ poolSize: [2, 3], channelOrder, dataFormat });
        const u = invertibleUpSampling({ poolSize: [2, 3], channelOrder, dataFormat });
        const y = d.apply(x) as tf.Tensor;
        expect(y.shape).toEqual(dataFormat === 'channelsLast' ? [2, 2, 2, 18] : [2, 18, 2, 2]);
        expectTensorsClose(u.apply(y) as tf.Tensor, x, { atol: 0, rtol: 0 });
        expectTensorsClose(d.apply(u.apply(y)) as tf.Tensor, y, { atol: 0, rtol: 0 });
      }
    }
    // channelsFirst equals channelsLast up to the transposes
    const x = tf.tensor4d(randn(48, 620), [1, 4, 4, 3]);
    const last = invertibleDownSampling({ poolSize: 2 }).apply(x) as tf.Tensor;
    const first = invertibleDownSampling({ poolSize: 2, dataFormat: 'channels_first' }).apply(
      tf.transpose(x, [0, 3, 1, 2]),
    ) as tf.Tensor;
    expectTensorsClose(tf.transpose(first, [0, 2, 3, 1]), last, { atol: 0, rtol: 0 });
  });

  it('are orthogonal: norm preserving, Jacobian a permutation (‖J‖ = 1), gradient = permuted dy', () => {
    const d = invertibleDownSampling({ poolSize: [2, 3] });
    const u = invertibleUpSampling({ poolSize: [2, 3] });
    const x = tf.tensor4d(randn(48, 630), [1, 4, 6, 2]);
    const f = (z: tf.Tensor) => d.apply(z) as tf.Tensor;
    expect(tf.norm(f(x)).dataSync()[0]).toBeCloseTo(tf.norm(x).dataSync()[0]!, 5);
    expect(Math.abs(jacobianNorm(f, x).norm - 1)).toBeLessThan(1e-6);
    const dy = tf.tensor4d(randn(48, 631), [1, 2, 2, 12]);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), dy)))(x);
    expectTensorsClose(g, u.apply(dy) as tf.Tensor, { atol: 0, rtol: 0 }); // Jᵀ = J⁻¹
    expect(d.lipschitzBound()).toBe(1);
    expect(u.lipschitzBound()).toBe(1);
    expect(d.isOrthogonal).toBe(true);
    expect(isLipschitzLayer(d)).toBe(false); // as in deel-lip: orthogonal, no k to set
  });

  it('save and reload inside a model, and do not leak', async () => {
    const model = tfl.sequential({
      layers: [
        invertibleDownSampling({ poolSize: [2, 3], inputShape: [4, 6, 2] }),
        tfl.layers.conv2d({ filters: 12, kernelSize: 1 }),
        invertibleUpSampling({ poolSize: [2, 3], channelOrder: 'spacetodepth' }),
      ],
    });
    expect(model.outputs[0]!.shape).toEqual([null, 4, 6, 2]);
    const x = tf.tensor4d(randn(2 * 48, 640), [2, 4, 6, 2]);
    const loaded = await saveLoadRoundTrip(model);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual([
      'InvertibleDownSampling',
      'Conv2D',
      'InvertibleUpSampling',
    ]);
    expect(loaded.layers[0]!.getConfig()).toMatchObject({
      poolSize: [2, 3],
      dataFormat: 'channelsLast',
      channelOrder: 'pixelshuffle',
    });
    expect(loaded.layers[2]!.getConfig()).toMatchObject({ channelOrder: 'spacetodepth' });
    expectTensorsClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, { atol: 0, rtol: 0 });
    await expectNoLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(model.predict(z) as tf.Tensor))(x));
  });

  it('reject bad configurations and shapes', () => {
    expect(() => invertibleDownSampling({} as never)).toThrow(
      /InvertibleDownSampling: expected `poolSize`, got undefined\. Pass e\.g\. poolSize: 2/,
    );
    expect(() => invertibleDownSampling({ poolSize: 2 }).apply(tf.zeros([1, 5, 4, 1]))).toThrow(
      /InvertibleDownSampling: expected the input height 5 to be a multiple of the pool size 2/,
    );
    expect(() => invertibleUpSampling({ poolSize: 2 }).apply(tf.zeros([1, 2, 2, 6]))).toThrow(
      /InvertibleUpSampling: expected the input's channel count 6 to be a multiple of ph·pw = 4/,
    );
    expect(() => invertibleUpSampling({ poolSize: 2, channelOrder: 'torch' as 'pixelshuffle' })).toThrow(
      /InvertibleUpSampling: expected `channelOrder` 'pixelshuffle' or 'spacetodepth', got 'torch'/,
    );
    expect(() => invertibleDownSampling({ poolSize: 2, dataFormat: 'NHWC' as 'channelsLast' })).toThrow(
      /`dataFormat`.*got 'NHWC'/,
    );
    expect(() => invertibleDownSampling({ poolSize: [2, 2, 2] as never })).toThrow(
      /`poolSize` to be a positive integer or a pair/,
    );
  });
});
