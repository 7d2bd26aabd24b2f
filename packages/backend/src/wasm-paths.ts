import * as fs from 'fs';
import * as path from 'path';
import { WasmKernelsError } from './errors';

/** The .wasm binaries the wasm backend may load (plain, SIMD, threaded SIMD). */
export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/**
 * The `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm`, with a
 * trailing separator, for `setWasmPaths` — the binaries come from node_modules,
 * never from the network. Throws when the package or its SIMD binary is missing.
 */
export function wasmDistDir(): string {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const dir = path.join(path.dirname(pkg), 'dist') + path.sep;
  for (const bin of WASM_BINARIES.slice(0, 2)) {
    if (!fs.existsSync(dir + bin)) {
      throw new WasmKernelsError(
        `wasmDistDir: ${bin} is missing from ${dir}. Reinstall @tensorflow/tfjs-backend-wasm (pnpm install).`,
      );
    }
  }
  return dir;
}
