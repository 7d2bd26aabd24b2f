import * as tf from '@tensorflow/tfjs-core';
import {
  cwStepCompiler,
  setCwStepCompiler,
  DEEL_LIP_VERSIONS,
  FUSED_KERNELS,
  FUSED_KERNEL_NAMES,
  LipnetOptionError,
  defineOptions,
  deelLipVersionOption,
  hasFusedKernel,
  isCondensable,
  isLipschitzLayer,
  resolveDeelLipVersion,
} from '../src';

describe('DeelLipVersion', () => {
  it("defaults to '1.5' and accepts '1.2'", () => {
    expect(resolveDeelLipVersion('f', undefined)).toBe('1.5');
    expect(resolveDeelLipVersion('f', '1.2')).toBe('1.2');
    expect(DEEL_LIP_VERSIONS).toEqual(['1.5', '1.2']);
  });

  it('refuses anything else, naming the option', () => {
    for (const v of ['1.4', 1.2, '1.2.0', null]) {
      expect(() => resolveDeelLipVersion('bjorckNormalization', v)).toThrow(LipnetOptionError);
    }
    expect(() => resolveDeelLipVersion('bjorckNormalization', '1.2.0')).toThrow(
      "bjorckNormalization: expected `deelLipVersion` to be one of '1.5', '1.2', got '1.2.0'.",
    );
    const d = defineOptions('KR', { deelLipVersion: deelLipVersionOption });
    expect(d.parse({}).deelLipVersion).toBe('1.5');
  });
});

describe('Lipschitz-layer contract', () => {
  it('recognises layers by their marker and methods', () => {
    expect(isLipschitzLayer({ isLipschitz: true, kCoefLip: 1, setKCoefLip: () => undefined })).toBe(true);
    expect(isLipschitzLayer({ isLipschitz: 'yes' })).toBe(false);
    expect(isLipschitzLayer(null)).toBe(false);
    expect(isCondensable({ condense: () => undefined, vanillaExport: () => ({}) })).toBe(true);
    expect(isCondensable({ condense: () => undefined })).toBe(false);
  });
});

describe('FUSED_KERNELS', () => {
  it('lists every name once, each prefixed Lipnet, each kernel with its gradient kernel', () => {
    expect(new Set(FUSED_KERNEL_NAMES).size).toBe(FUSED_KERNEL_NAMES.length);
    expect(FUSED_KERNEL_NAMES).toHaveLength(14);
    for (const n of FUSED_KERNEL_NAMES) expect(n).toMatch(/^Lipnet[A-Z]/);
    const forward = FUSED_KERNEL_NAMES.filter((n) => !n.endsWith('Grad'));
    expect(forward.map((n) => `${n}Grad`).sort()).toEqual(FUSED_KERNEL_NAMES.filter((n) => n.endsWith('Grad')).sort());
  });

  it('hasFusedKernel needs both the kernel and its gradient on the backend', () => {
    const kernelFunc = (() => ({})) as unknown as tf.KernelFunc;
    expect(hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad)).toBe(false);
    tf.registerKernel({ kernelName: FUSED_KERNELS.pairSort, backendName: 'cpu', kernelFunc });
    try {
      expect(hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad)).toBe(false);
      tf.registerKernel({ kernelName: FUSED_KERNELS.pairSortGrad, backendName: 'cpu', kernelFunc });
      expect(hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad)).toBe(true);
      expect(hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad, 'wasm')).toBe(false);
    } finally {
      tf.unregisterKernel(FUSED_KERNELS.pairSort, 'cpu');
      if (tf.getKernel(FUSED_KERNELS.pairSortGrad, 'cpu')) tf.unregisterKernel(FUSED_KERNELS.pairSortGrad, 'cpu');
    }
  });
});

describe('C&W step compiler', () => {
  test('set, read back and removed; anything but a function or null refused with a message naming it', () => {
    const compile = () => null;
    setCwStepCompiler(compile);
    expect(cwStepCompiler()).toBe(compile);
    for (const bad of [{}, 'graph', 3]) {
      expect(() => setCwStepCompiler(bad as never)).toThrow(
        /setCwStepCompiler: expected `compiler` to be a function \(problem\) => CwStepProgram \| null, or null, got .+\. Pass a compiler function/,
      );
    }
    expect(cwStepCompiler()).toBe(compile); // a refusal leaves the compiler as it was
    setCwStepCompiler(null);
    expect(cwStepCompiler()).toBeNull();
  });
});
