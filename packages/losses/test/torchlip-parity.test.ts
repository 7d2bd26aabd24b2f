/**
 * Parity with deel-torchlip 1.0.5 itself: every number was produced by torchlip running in
 * torch 2.15 (tools/reference/fixtures_parity_torchlip.py).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors, expectTensorsClose } from '@lipnet/test-utils';
import { LseHKRMulticlassLoss, NegKRLoss, lossFromConfig, type LipschitzLoss } from '../src';

interface Arr {
  shape: number[];
  values: number[];
}
interface Case {
  loss: 'LseHKRMulticlassLoss' | 'NegKRLoss';
  args: { alpha?: number; temperature?: number; penalty?: number; min_margin?: number };
  yTrue: Arr;
  yPred: Arr;
  [key: string]: unknown;
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'torchlip-losses.json'), 'utf8')) as {
  meta: { deelTorchlip: string };
  cases: Case[];
};
const PARITY = { rtol: 1e-5, atol: 1e-6 };
const t = (a: Arr) => tf.tensor(a.values, a.shape);

function build(c: Case, reduction: 'none' | 'mean' | 'sum'): LipschitzLoss {
  if (c.loss === 'NegKRLoss') return NegKRLoss({ reduction });
  const { alpha, temperature, penalty, min_margin: minMargin } = c.args;
  return LseHKRMulticlassLoss({ alpha, temperature, penalty, minMargin, reduction, warn: () => {} });
}

describe(`parity with deel-torchlip ${fixture.meta.deelTorchlip}`, () => {
  it('covers both losses, {0,1} and {−1,1} labels, and five LseHKR settings', () => {
    expect(fixture.cases.filter((c) => c.loss === 'LseHKRMulticlassLoss')).toHaveLength(10);
    expect(fixture.cases.filter((c) => c.loss === 'NegKRLoss')).toHaveLength(3);
  });

  for (const c of fixture.cases) {
    it(`${c.loss}(${JSON.stringify(c.args)}), labels min ${Math.min(...c.yTrue.values)}: values and ∂/∂ŷ for none / mean / sum`, () => {
      for (const red of ['none', 'mean', 'sum'] as const) {
        const loss = build(c, red);
        const y = t(c.yTrue);
        const p = t(c.yPred);
        const expected = c[red] as Arr;
        expectTensorsClose(loss(y, p), tf.tensor(expected.values, red === 'none' ? expected.shape : []), PARITY);
        // torchlip backpropagates ones of the output's shape
        const g = tf.grad((q: tf.Tensor) => tf.sum(loss(y, q)))(p);
        expectTensorsClose(g, t(c[`grad_${red}`] as Arr), PARITY);
      }
    });
  }
});

describe('LseHKRMulticlassLoss / NegKRLoss', () => {
  const y = tf.tensor2d([
    [1, 0, 0],
    [0, 1, 0],
  ]);
  const p = tf.tensor2d([
    [2, -1, 0.5],
    [0, 1.5, 3],
  ]);

  it('α = 0 is the LSE-KR term and α = 1 the LSE hinge (closed forms); the LSE lies in [max, max + penalty·m/2]', () => {
    const m = 1;
    const tt = Math.log(2) / (m / 2);
    const lse = (a: number, b: number) => Math.log(Math.exp(tt * a) + Math.exp(tt * b)) / tt;
    const l0 = lse(-1, 0.5);
    const l1 = lse(0, 3);
    expectTensorsClose(LseHKRMulticlassLoss({ alpha: 0, reduction: 'none' })(y, p), [l0 - 2, l1 - 1.5]);
    const relu = (x: number) => Math.max(0, x);
    expectTensorsClose(LseHKRMulticlassLoss({ reduction: 'none' })(y, p), [
      relu(0.5 - 2) + relu(0.5 + l0),
      relu(0.5 - 1.5) + relu(0.5 + l1),
    ]);
    expect(l1).toBeGreaterThanOrEqual(3);
    expect(l1).toBeLessThanOrEqual(3 + m / 2);
  });

  it('with two classes uses the single wrong logit (torchlip: NaN, t = ln 1 = 0)', () => {
    const v = LseHKRMulticlassLoss({ alpha: 0, reduction: 'none' })(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
      tf.tensor2d([
        [2, -1],
        [0.5, 1],
      ]),
    );
    expectTensorsClose(v, [-3, -0.5]);
  });

  it('replaces α > 1 by α/(1+α) with a warning, and refuses bad arguments naming them', () => {
    const warned: string[] = [];
    const l = LseHKRMulticlassLoss({ alpha: 3, warn: (m) => warned.push(m) });
    expect(l.getParam('alpha')).toBe(0.75);
    expect(warned[0]).toMatch(/alpha 3 > 1 replaced .* 0\.75/);
    expect(() => LseHKRMulticlassLoss({ alpha: -1 })).toThrow(/`alpha`/);
    expect(() => LseHKRMulticlassLoss({ temperature: 0 })).toThrow(/`temperature`/);
    expect(() => LseHKRMulticlassLoss({ penalty: NaN })).toThrow(/`penalty`/);
    expect(() => LseHKRMulticlassLoss()(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0, 0]]))).toThrow(/shape/);
  });

  it('serialise through lossFromConfig with their current parameters', () => {
    const l = LseHKRMulticlassLoss({ alpha: 0.5, temperature: 2, penalty: 0.5, minMargin: 0.3 });
    l.setParam('alpha', 0.25);
    const back = lossFromConfig({
      className: l.className,
      config: JSON.parse(JSON.stringify(l.getConfig())) as Record<string, unknown>,
    });
    expect(back.getConfig()).toEqual(l.getConfig());
    expectTensorsClose(back(y, p), l(y, p));
    const n = NegKRLoss({ reduction: 'sum' });
    expect(lossFromConfig({ className: 'NegKRLoss', config: n.getConfig() }).getConfig()).toEqual(n.getConfig());
  });

  it('leak no tensors (forward and gradient)', async () => {
    const l = LseHKRMulticlassLoss({ alpha: 0.5 });
    const n = NegKRLoss();
    await expectNoLeakedTensors(() => [l(y, p), n(y, p), tf.grad((q: tf.Tensor) => l(y, q))(p)]);
  });
});
