import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendUnavailableError,
  registeredWasmTrainingKernels,
  relaxedSimdEnabled,
  selectBackend,
  UnknownBackendError,
  WASM_TRAINING_KERNELS,
} from '../src';

/** What `require('@tensorflow/tfjs-node')` throws when pnpm linked it but its addon was never built. */
const ADDON_MISSING = (pkg: string) => () => {
  throw new Error(
    `The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/node_modules/${pkg}/lib/napi-v8/tfjs_binding.node. \n` +
      `Please run command 'npm rebuild ${pkg} --build-addon-from-source' to rebuild the native addon module.`,
  );
};

function collect() {
  const lines: string[] = [];
  return { lines, log: (l: string) => lines.push(l) };
}

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  test('forced cpu: activates it, says so in one line, skips nothing', async () => {
    const { lines, log } = collect();
    const choice = await selectBackend({ prefer: 'cpu', log });
    expect(choice).toMatchObject({ name: 'cpu', tfBackend: 'cpu', forced: true, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/backend: cpu .*forced by the `prefer` option/);
  });

  test('LIPNET_BACKEND is read when prefer is absent; names are case-insensitive', async () => {
    const choice = await selectBackend({ env: { LIPNET_BACKEND: 'CPU' }, log: null });
    expect(choice).toMatchObject({ name: 'cpu', forced: true });
    expect(choice.reason).toMatch(/LIPNET_BACKEND/);
  });

  test('an unknown name is rejected with the list of valid ones', async () => {
    const err = await selectBackend({ env: { LIPNET_BACKEND: 'webgpu' }, log: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownBackendError);
    expect((err as Error).name).toBe('UnknownBackendError');
    expect((err as Error).message).toMatch(
      /unknown backend 'webgpu' \(from LIPNET_BACKEND\).*tensorflow, tensorflow-gpu, wasm, wasm-stock, cpu, auto/,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  test("forced 'tensorflow' where the addon is not built: a clear message naming backend, reason and fix, no fallback", async () => {
    const { lines, log } = collect();
    const err = await selectBackend({ prefer: 'tensorflow', log, loadNative: (pkg) => ADDON_MISSING(pkg)() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.name).toBe('BackendUnavailableError');
    expect(e.backend).toBe('tensorflow');
    expect(e.message).toMatch(/backend 'tensorflow' is not available/);
    expect(e.message).toMatch(
      /@tensorflow\/tfjs-node: native addon not built \(libtensorflow could not be downloaded at install\)/,
    );
    expect(e.message).toMatch(/pnpm native:setup/);
    expect(e.message).not.toMatch(/\n\s+at /); // no stack trace in the message
    // One line per native package tried.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/tensorflow-gpu skipped .*Fix: .*setup\.sh gpu/);
    expect(lines[1]).toMatch(/tensorflow skipped .*native addon not built.*Fix: Run `pnpm native:setup`/);
    expect(tf.getBackend()).toBe('cpu');
  });

  test('a missing CUDA library is named as such', async () => {
    const err = await selectBackend({
      prefer: 'tensorflow-gpu',
      log: null,
      loadNative: () => {
        throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/could not load libcudart\.so\.11\.0 \(CUDA runtime not found\)/);
  });

  test('automatic choice without native addons: skips both with reasons and fixes, picks wasm with lipnet kernels', async () => {
    const { lines, log } = collect();
    const choice = await selectBackend({ env: {}, log, loadNative: (pkg) => ADDON_MISSING(pkg)() });
    expect(choice.name).toBe('wasm');
    expect(choice.forced).toBe(false);
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
    for (const s of choice.skipped) {
      expect(s.reason).toMatch(/native addon not built/);
      expect(s.fix.length).toBeGreaterThan(20);
    }
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/backend: wasm .*SIMD.*lipnet's training kernels/);
    expect(registeredWasmTrainingKernels()).toHaveLength(WASM_TRAINING_KERNELS.length);
    // The wasm backend trains a convolution (stock wasm cannot: no Conv2DBackpropFilter).
    const g = tf.tidy(() =>
      tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, f as tf.Tensor4D, 1, 'same')))(
        tf.ones([3, 3, 1, 1]),
      ),
    );
    expect(Array.from(g.dataSync())).toEqual([9, 12, 9, 12, 16, 12, 9, 12, 9]);
    g.dispose();
  });

  test('LIPNET_RELAXED_SIMD: 0 keeps the plain multiply-add, 1 or unset uses relaxed SIMD (Node 20: behind a V8 flag it sets), anything else is refused', async () => {
    const { lines, log } = collect();
    await selectBackend({ prefer: 'wasm', env: { LIPNET_RELAXED_SIMD: '0' }, log });
    expect(lines[0]).toMatch(/relaxed SIMD off \(LIPNET_RELAXED_SIMD=0\)/);
    expect(relaxedSimdEnabled()).toBe(false);
    await selectBackend({ prefer: 'wasm', env: { LIPNET_RELAXED_SIMD: '1' }, log });
    expect(lines[1]).toMatch(/relaxed SIMD \(fused multiply-add\)/);
    expect(relaxedSimdEnabled()).toBe(true);
    await expect(selectBackend({ prefer: 'wasm', env: { LIPNET_RELAXED_SIMD: 'yes' }, log })).rejects.toThrow(
      /LIPNET_RELAXED_SIMD must be 0 or 1 .*got 'yes'/,
    );
    // Refused before any backend is tried, also in the automatic choice.
    await expect(selectBackend({ env: { LIPNET_RELAXED_SIMD: 'on' }, log })).rejects.toThrow(BackendUnavailableError);
    expect(lines).toHaveLength(2);
  });

  test('LIPNET_FRUGAL_BACKPROP: the frugal backward pass by default, tfjs own with 0, anything else refused', async () => {
    const own = () => Object.prototype.hasOwnProperty.call(tf.engine(), 'gradients');
    await selectBackend({ prefer: 'cpu', env: {}, log: null });
    expect(own()).toBe(true);
    await selectBackend({ prefer: 'cpu', env: { LIPNET_FRUGAL_BACKPROP: '0' }, log: null });
    expect(own()).toBe(false);
    await expect(selectBackend({ prefer: 'cpu', env: { LIPNET_FRUGAL_BACKPROP: 'no' }, log: null })).rejects.toThrow(
      /LIPNET_FRUGAL_BACKPROP must be 0 or 1 .*got 'no'. Set LIPNET_FRUGAL_BACKPROP=0 or 1, or unset it/,
    );
  });

  test.each(['LIPNET_CW_GRAPH', 'LIPNET_TRAIN_GRAPH'])(
    '%s: anything but 0 or 1 refused before any backend loads',
    async (name) => {
      await expect(selectBackend({ prefer: 'cpu', env: { [name]: 'no' }, log: null })).rejects.toThrow(
        new RegExp(`${name} must be 0 or 1 .*got 'no'. Set ${name}=0 or 1, or unset it`),
      );
      await selectBackend({ prefer: 'cpu', env: { [name]: '0' }, log: null });
      expect(tf.getBackend()).toBe('cpu');
    },
  );

  test("'wasm-stock' gives tfjs' own kernels back (for comparisons)", async () => {
    const choice = await selectBackend({ prefer: 'wasm-stock', log: null });
    expect(choice.tfBackend).toBe('wasm');
    expect(registeredWasmTrainingKernels()).toHaveLength(0);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    await selectBackend({ prefer: 'wasm', log: null });
    expect(registeredWasmTrainingKernels()).toHaveLength(WASM_TRAINING_KERNELS.length);
  });

  test('the wasm binaries come from node_modules (no download)', async () => {
    const { wasmDistDir } = await import('../src');
    const dir = wasmDistDir();
    expect(dir.startsWith(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')))).toBe(true);
    expect(fs.statSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')).size).toBeGreaterThan(100_000);
  });

  test('the native packages would share our single tfjs-core (their @tensorflow/tfjs resolves to the same file)', () => {
    const ours = fs.realpathSync(require.resolve('@tensorflow/tfjs-core'));
    for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
      const dir = path.dirname(require.resolve(`${pkg}/package.json`));
      const tfjs = path.dirname(require.resolve('@tensorflow/tfjs/package.json', { paths: [dir] }));
      expect(fs.realpathSync(require.resolve('@tensorflow/tfjs-core', { paths: [tfjs] }))).toBe(ours);
    }
  });
});
