/**
 * Relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add on CPUs with FMA) for
 * lipnet's generated wasm kernels in Node. Browsers that ship it (Chrome ≥ 114)
 * validate it as they are; Node 20's V8 (11.3) implements it behind
 * `--experimental-wasm-relaxed-simd`, which this sets at run time — V8 flags
 * are process-wide, so worker threads see it too. `LIPNET_RELAXED_SIMD=0`
 * keeps the plain multiply and add. Node-only (imports `v8`).
 */
import * as v8 from 'v8';
import { relaxedSimdEnabled, setRelaxedSimd } from './wasm-kernels/wasm-encoding';

/**
 * Turns relaxed SIMD on for the generated kernels where the runtime has it
 * (setting V8's flag when only the flag is missing) or off, and says which,
 * for the backend's log line.
 */
export function configureRelaxedSimd(setting: 'on' | 'off'): string {
  if (setting === 'off') {
    setRelaxedSimd('off');
    return 'relaxed SIMD off (LIPNET_RELAXED_SIMD=0)';
  }
  setRelaxedSimd('auto');
  if (!relaxedSimdEnabled()) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // An engine without the flag: the plain multiply and add.
    }
  }
  return relaxedSimdEnabled() ? 'relaxed SIMD (fused multiply-add)' : 'no relaxed SIMD in this runtime';
}
