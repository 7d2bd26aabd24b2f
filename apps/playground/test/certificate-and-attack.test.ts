/**
 * The certificate and the attack of the page on a linear classifier, where
 * both have a closed form: for f(x) = Wᵀx, the smallest L2 perturbation that
 * turns class c into j is (f_c − f_j)/‖w_c − w_j‖, so the certificate must equal
 * min_j of it, and a minimum-norm attack must land at (or just above) it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lipschitzUpperBound } from '@lipnet/certificates';
import { expectNoLeakedTensors } from '@lipnet/test-utils';
import { attackImage } from '../src/attack/attack-image';
import { explainCertificate } from '../src/model/certificate';
import { certifiedAccuracy } from '../src/model/model-under-test';

function linearModel(seed: number): { model: tfl.Sequential; w: number[][] } {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [28, 28, 1] }),
      tfl.layers.dense({
        units: 10,
        useBias: false,
        kernelInitializer: tfl.initializers.randomNormal({ stddev: 0.5, seed }),
      }),
    ],
  });
  const w = model.layers[1]!.getWeights()[0]!.arraySync() as number[][]; // [784, 10]
  return { model, w };
}

function image(seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: 784 }, () => {
    s = (s * 16807) % 2147483647;
    return 0.4 + 0.2 * (s / 2147483647); // inside [0, 1], far from the box walls
  });
}

function closedForm(w: number[][], x: Float32Array): { c: number; j: number; r: number; logits: number[] } {
  const logits = Array.from({ length: 10 }, (_, k) => w.reduce((s, row, i) => s + row[k]! * x[i]!, 0));
  const c = logits.indexOf(Math.max(...logits));
  let best = { j: -1, r: Infinity };
  for (let j = 0; j < 10; j++) {
    if (j === c) continue;
    const norm = Math.sqrt(w.reduce((s, row) => s + (row[c]! - row[j]!) ** 2, 0));
    const r = (logits[c]! - logits[j]!) / norm;
    if (r < best.r) best = { j, r };
  }
  return { c, ...best, logits };
}

describe('certificate of a linear classifier', () => {
  test.each([1, 2, 3])('equals the exact distance to the decision boundary (seed %i)', (seed) => {
    const { model, w } = linearModel(seed);
    const x = image(seed);
    const exact = closedForm(w, x);
    const bound = lipschitzUpperBound(model);
    const logits = tf.tidy(() => Array.from((model.predict(tf.tensor4d(x, [1, 28, 28, 1])) as tf.Tensor).dataSync()));
    const e = explainCertificate(logits, bound);
    expect(e.predicted).toBe(exact.c);
    expect(e.binding).toBe(exact.j);
    expect(e.radius).toBeCloseTo(exact.r, 4);
    expect(e.bodyBound).toBeCloseTo(1, 6); // Flatten: an isometry
    expect(e.margin / e.divisor).toBeCloseTo(e.radius, 5);
    model.dispose();
  });
});

describe('attacks on a linear classifier', () => {
  test.each(['fmn', 'ddn', 'cw'] as const)(
    '%s finds an adversarial at or just above the certificate, without leaking',
    async (attack) => {
      const { model, w } = linearModel(7);
      const x = image(7);
      const exact = closedForm(w, x);
      let out: Awaited<ReturnType<typeof attackImage>> | undefined;
      const fractions: number[] = [];
      await expectNoLeakedTensors(async () => {
        out = await attackImage(
          model,
          x,
          exact.c,
          { attack, steps: attack === 'cw' ? 250 : 60 },
          { onProgress: (f) => fractions.push(f) },
        );
      }, 1);
      expect(out!.success).toBe(true);
      expect(out!.newClass).not.toBe(exact.c);
      expect(out!.distance).toBeGreaterThanOrEqual(exact.r * (1 - 1e-5));
      expect(out!.distance).toBeLessThan(exact.r * 1.1);
      expect(out!.gradientSteps).toBeGreaterThan(10);
      expect(fractions[fractions.length - 1]).toBe(1);
      model.dispose();
    },
  );

  test('stops when its signal aborts, and says so', async () => {
    const { model, w } = linearModel(8);
    const x = image(8);
    const controller = new AbortController();
    const out = await attackImage(
      model,
      x,
      closedForm(w, x).c,
      { attack: 'fmn', steps: 5000 },
      {
        signal: controller.signal,
        onProgress: (f) => f > 0.01 && controller.abort(),
      },
    );
    expect(out.stoppedEarly).toBe(true);
    expect(out.gradientSteps).toBeLessThan(1000);
    model.dispose();
  });

  test('rejects a bad step count or attack name', async () => {
    const { model } = linearModel(9);
    await expect(attackImage(model, image(9), 0, { attack: 'fmn', steps: 0 })).rejects.toThrow(
      /`steps` to be a positive integer, got 0/,
    );
    await expect(attackImage(model, image(9), 0, { attack: 'pgd' as 'fmn', steps: 10 })).rejects.toThrow(
      /unknown attack 'pgd'; use one of cw, fmn, ddn/,
    );
    model.dispose();
  });
});

describe('certified robust accuracy', () => {
  test('counts correct samples whose radius exceeds ε', () => {
    const m = { radii: Float32Array.from([0.5, 0.25, 0.875, 0]), correct: Uint8Array.from([1, 1, 0, 1]) };
    expect(certifiedAccuracy(m, -1)).toBe(0.75); // clean accuracy
    expect(certifiedAccuracy(m, 0)).toBe(0.5);
    expect(certifiedAccuracy(m, 0.25)).toBe(0.25); // strict: radius 0.25 does not certify ε = 0.25
    expect(certifiedAccuracy(m, 0.5)).toBe(0);
  });
});
