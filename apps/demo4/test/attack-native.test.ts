/**
 * On 'tensorflow' with lipnet's ops (`pnpm native:setup`), the C&W attack demo4 runs compiles each
 * Adam step into one TensorFlow graph (@lipnet/backend's `registerNativeCwStep`): it must find the
 * adversarials the eager step finds, for demo4's exported network, and leave the eager step to the
 * models the graph does not take. Without the native build there is nothing to compare: the tests
 * return after saying so.
 */
import * as tf from '@tensorflow/tfjs-core';
import { L2CarliniWagnerAttack } from '@lipnet/attacks';
import { cwStepCompiler, setCwStepCompiler, type CwStepCompiler } from '@lipnet/core';
import { vanillaExport } from '@lipnet/layers';
import { selectBackend } from '@lipnet/backend';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildHkrModel } from '../src/model/hkr-model';
import { ramp } from './wasm-backend';

let graphCompiler: CwStepCompiler | null = null;
let compiled = 0;

beforeAll(async () => {
  const ok = await selectBackend({ prefer: 'tensorflow', log: null }).then(
    () => tf.getKernel('LipnetPairSort', 'tensorflow') !== undefined,
    () => false,
  );
  graphCompiler = ok ? cwStepCompiler() : null;
  if (!graphCompiler) console.log('attack-native: no native build with lipnet ops here (pnpm native:setup); skipped');
});

afterAll(async () => {
  setCwStepCompiler(graphCompiler);
  await tf.setBackend('cpu');
});

/** Untargeted with κ = 0 (demo4), or targeted at (label + 1) mod 10 with κ = 0.1. */
type Setting = { targeted: boolean; confidence: number; initialConst: number; steps: number };
const DEMO4: Setting = { targeted: false, confidence: 0, initialConst: 30, steps: 25 };

async function attack(model: tfl.LayersModel, withGraph: boolean, setting: Setting = DEMO4) {
  const real = graphCompiler!;
  setCwStepCompiler(
    withGraph
      ? (p: Parameters<CwStepCompiler>[0]) => {
          const program = real(p);
          if (program) compiled++;
          return program;
        }
      : null,
  );
  const x = tf.tensor4d(ramp(3 * 28 * 28, 41), [3, 28, 28, 1]);
  const labels = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1));
  const { confidence, initialConst, steps } = setting;
  const cw = new L2CarliniWagnerAttack({
    binarySearchSteps: 2,
    steps,
    initialConst,
    abortEarly: false,
    confidence,
  });
  const targets = Array.from(labels.dataSync(), (l) => (l + 1) % 10);
  const before = tf.memory().numTensors;
  const r = await cw.run(model, x, labels, setting.targeted ? { criterion: { targets } } : {});
  const dist = tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(tf.sub(r.raw, x)), [1, 2, 3])).dataSync()));
  const out = { dist, success: Array.from(r.success.dataSync()) };
  tf.dispose([r.raw, r.clipped, r.success]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, labels]);
  return { ...out, leaked };
}

test("C&W with each step as one TensorFlow graph finds the eager step's adversarials (1e-3) and leaks nothing", async () => {
  if (!graphCompiler) return;
  const model = buildHkrModel(5);
  const vanilla = vanillaExport(model);
  compiled = 0;
  const graph = await attack(vanilla, true);
  expect(compiled).toBe(1); // one program for the one batch
  const eager = await attack(vanilla, false);
  expect(eager.success).toEqual([1, 1, 1]); // found, so the distances compare the attack's progress
  expect(graph.success).toEqual(eager.success);
  graph.dist.forEach((d, i) => expect(Math.abs(d - eager.dist[i]!)).toBeLessThan(1e-3 * Math.max(1, eager.dist[i]!)));
  expect(graph.leaked).toBe(0);
  expect(eager.leaked).toBe(0);
  model.dispose();
}, 120_000);

test("targeted, with a margin κ: the graph finds the eager step's adversarials too (1e-3)", async () => {
  if (!graphCompiler) return;
  const model = buildHkrModel(5);
  const vanilla = vanillaExport(model);
  const setting = { targeted: true, confidence: 0.1, initialConst: 1000, steps: 150 };
  const graph = await attack(vanilla, true, setting);
  const eager = await attack(vanilla, false, setting);
  expect(eager.success.some((s) => s === 1)).toBe(true);
  expect(graph.success).toEqual(eager.success);
  graph.dist.forEach((d, i) => expect(Math.abs(d - eager.dist[i]!)).toBeLessThan(1e-3 * Math.max(1, eager.dist[i]!)));
  model.dispose();
}, 120_000);

test('a model the graph does not take (Spectral layers before export) keeps the eager step', async () => {
  if (!graphCompiler) return;
  const model = buildHkrModel(5);
  compiled = 0;
  const r = await attack(model, true);
  expect(compiled).toBe(0);
  expect(r.success.length).toBe(3);
  model.dispose();
}, 120_000);
