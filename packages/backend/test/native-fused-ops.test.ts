/**
 * lipnet's fused TensorFlow ops, in whichever state this machine is: when
 * `pnpm native:setup` built them, each kernel registered for 'tensorflow'
 * must equal test-utils' reference kernels on 'cpu' (pair sorts exactly,
 * pooling to 1e-5) and leak nothing; when not, registration must say why and
 * how to fix it, and register nothing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { registerReferenceFusedKernels } from '@lipnet/test-utils';
import {
  NATIVE_FUSED_OPS,
  fusedOpsFile,
  nativeOpsLoaded,
  registerNativeFusedOps,
  selectBackend,
  unregisterNativeFusedOps,
} from '../src';

function nativeDir(): string | undefined {
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return undefined;
  }
}

test('without a built lipnet_ops.node: not registered, and the reason names the fix', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-no-ops-'));
  fs.mkdirSync(path.join(empty, 'lib', 'napi-v8'), { recursive: true });
  const before = NATIVE_FUSED_OPS.map((n) => tf.getKernel(n, 'tensorflow') !== undefined);
  if (before.some(Boolean)) return; // registered by an earlier test in this process: nothing to check here
  expect(fusedOpsFile(empty)).toBeUndefined();
  const status = registerNativeFusedOps(empty);
  expect(status.registered).toBe(false);
  expect(status.reason).toMatch(/not built .*pnpm native:setup/);
  expect(registerNativeFusedOps(empty, { LIPNET_FUSED_OPS: '0' }).reason).toBe('LIPNET_FUSED_OPS=0');
  expect(NATIVE_FUSED_OPS.some((n) => tf.getKernel(n, 'tensorflow') !== undefined)).toBe(false);
  fs.rmSync(empty, { recursive: true });
});

/** One kernel's inputs, their shapes, its attrs and the tolerance relative to the output's scale. */
interface KernelCase {
  name: string;
  inputs: Record<string, number[] | Float32Array>;
  shapes: Record<string, number[]>;
  attrs: tf.NamedAttrMap;
  tol: number;
}

/** Inputs of every kernel: ties in a quarter of the pairs, a 5×7 image (cropped windows), a bias. */
function cases(): KernelCase[] {
  let s = 7;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const x = Float32Array.from({ length: 3 * 5 * 7 * 8 }, (_, i) => (i % 4 === 0 ? Math.round(rnd() * 2) : rnd() * 3));
  const dy = Float32Array.from(x, () => rnd());
  const b = Float32Array.from({ length: 8 }, () => rnd());
  const xs = [3, 5, 7, 8];
  const pool = (ph: number, pw: number) => [3, Math.floor(5 / ph), Math.floor(7 / pw), 8];
  const dyPool = Float32Array.from({ length: 3 * 2 * 3 * 8 }, () => rnd());
  const attrs = { poolSize: [2, 2], scale: 1.7, eps: 1e-6 };
  // Björck: a 30×6 matrix of Frobenius norm 1 (so spectral norm ≤ 1), 1.2.0 and 1.5 rules.
  const raw = Array.from({ length: 30 * 6 }, () => rnd());
  const norm = Math.sqrt(raw.reduce((s2, v) => s2 + v * v, 0));
  const w = Float32Array.from(raw, (v) => v / norm);
  const its = Float32Array.from(
    { length: 4 * 30 * 6 },
    (_, i) => w[i % w.length]! * (1 + 0.01 * Math.floor(i / w.length)),
  );
  const dw = Float32Array.from(w, () => rnd());
  return [
    {
      name: 'LipnetBjorck',
      inputs: { w },
      shapes: { w: [30, 6] },
      attrs: { beta: 0.25, maxIter: 15, eps: 0 },
      tol: 1e-5,
    },
    {
      name: 'LipnetBjorck',
      inputs: { w },
      shapes: { w: [30, 6] },
      attrs: { beta: 0.5, maxIter: 15, eps: 1e-3 },
      tol: 1e-5,
    },
    {
      name: 'LipnetBjorckGrad',
      inputs: { iterates: its, dy: dw },
      shapes: { iterates: [4, 30, 6], dy: [30, 6] },
      attrs: { beta: 0.25 },
      tol: 1e-5,
    },
    ...spectralBjorckCases(w, its, dw, rnd),
    { name: 'LipnetPairSort', inputs: { x }, shapes: { x: xs }, attrs: {}, tol: 0 },
    { name: 'LipnetPairSortGrad', inputs: { x, dy }, shapes: { x: xs, dy: xs }, attrs: {}, tol: 0 },
    { name: 'LipnetBiasPairSort', inputs: { z: x, b }, shapes: { z: xs, b: [8] }, attrs: {}, tol: 0 },
    {
      name: 'LipnetBiasPairSortGrad',
      inputs: { z: x, b, dy },
      shapes: { z: xs, b: [8], dy: xs },
      attrs: {},
      tol: 1e-6,
    },
    { name: 'LipnetL2Pool', inputs: { x }, shapes: { x: xs }, attrs, tol: 1e-5 },
    { name: 'LipnetL2PoolGrad', inputs: { x, dy: dyPool }, shapes: { x: xs, dy: pool(2, 2) }, attrs, tol: 1e-5 },
    { name: 'LipnetBiasPairSortL2Pool', inputs: { z: x, b }, shapes: { z: xs, b: [8] }, attrs, tol: 1e-5 },
    {
      name: 'LipnetBiasPairSortL2PoolGrad',
      inputs: { z: x, b, dy: dyPool },
      shapes: { z: xs, b: [8], dy: pool(2, 2) },
      attrs,
      tol: 1e-5,
    },
  ];
}

/**
 * LipnetSpectralBjorck on 3·w (σ ≈ 3) from a random u: deel-lip 1.5's defaults with coef 1/3, and tolerances
 * too tight to stop early (every iteration runs, so float32 and the float64 reference step alike); its gradient.
 */
function spectralBjorckCases(w: Float32Array, its: Float32Array, dw: Float32Array, rnd: () => number): KernelCase[] {
  const w3 = w.map((v) => 3 * v);
  const u = Float32Array.from({ length: 6 }, () => rnd());
  const shapes = { w: [30, 6], u: [1, 6] };
  const defaults = {
    epsSpectral: 1e-3,
    maxIterSpectral: 10,
    beta: 0.5,
    maxIterBjorck: 15,
    epsBjorck: 1e-3,
    coef: 1 / 3,
  };
  const tight = { epsSpectral: 1e-9, maxIterSpectral: 3, beta: 0.4, maxIterBjorck: 6, epsBjorck: 1e-9, coef: 1 };
  return [
    { name: 'LipnetSpectralBjorck', inputs: { w: w3, u }, shapes, attrs: defaults, tol: 1e-5 },
    { name: 'LipnetSpectralBjorck', inputs: { w: w3, u }, shapes, attrs: tight, tol: 1e-5 },
    {
      name: 'LipnetSpectralBjorckGrad',
      inputs: { w: w3, u, sigma: [2.9], iterates: its, dy: dw },
      shapes: { ...shapes, sigma: [1, 1], iterates: [4, 30, 6], dy: [30, 6] },
      attrs: { epsSpectral: 1e-3, beta: 0.5, coef: 1 / 3 },
      tol: 1e-5,
    },
  ];
}

function runOn(name: string, c: KernelCase): Array<{ shape: number[]; data: number[] }> {
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(c.inputs)) inputs[k] = tf.tensor(v, c.shapes[k]);
    const out = tf.engine().runKernel(name, inputs, c.attrs) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
  });
}

test("when built: each native fused op equals the reference kernel on 'cpu' and leaks nothing", async () => {
  const dir = nativeDir();
  const ops = dir ? fusedOpsFile(dir) : undefined;
  const native = ops
    ? await selectBackend({ prefer: 'tensorflow', log: null }).then(
        () => true,
        () => false,
      )
    : false;
  if (!native) {
    expect(ops === undefined || dir !== undefined).toBe(true);
    return; // not built here: the test above covers what registration says
  }
  expect(registerNativeFusedOps(dir!).registered).toBe(true);
  // this build exports every kernel registered here, and the graph-only ops besides
  expect(NATIVE_FUSED_OPS.filter((n) => !nativeOpsLoaded().has(n))).toEqual([]);
  expect(nativeOpsLoaded().has('LipnetWinogradConv2D')).toBe(true);
  const reference = registerReferenceFusedKernels('cpu');
  try {
    for (const c of cases()) {
      await tf.setBackend('cpu');
      const want = runOn(c.name, c);
      await tf.setBackend('tensorflow');
      const before = tf.memory().numTensors;
      const got = runOn(c.name, c);
      expect({ name: c.name, leaked: tf.memory().numTensors - before }).toEqual({ name: c.name, leaked: 0 });
      expect(got.map((g) => g.shape)).toEqual(want.map((w) => w.shape));
      got.forEach((g, i) => {
        const w = want[i]!.data;
        const scale = Math.max(...w.map(Math.abs));
        const diff = Math.max(...g.data.map((v, j) => Math.abs(v - w[j]!)));
        expect({ name: c.name, output: i, ok: diff <= c.tol * scale }).toEqual({ name: c.name, output: i, ok: true });
      });
    }
  } finally {
    reference.unregister();
    unregisterNativeFusedOps();
    await tf.setBackend('cpu');
  }
});
