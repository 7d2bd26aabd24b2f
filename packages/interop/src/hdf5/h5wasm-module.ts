import type * as H5wasmNamespace from 'h5wasm' with { 'resolution-mode': 'import' };
import { ModelImportError } from '../errors';

/** The parts of h5wasm the readers use. */
export type H5wasm = (typeof H5wasmNamespace)['default'];
/** h5wasm's Emscripten module (its in-memory file system and error-handler switches). */
export type H5Module = Awaited<H5wasm['ready']>;

let loading: Promise<{ h5: H5wasm; module: H5Module }> | null = null;

/**
 * h5wasm (HDF5 compiled to WebAssembly, from npm), loaded once on first use by a dynamic `import()`, so that a
 * program that never reads an HDF5 file never loads its 4 MB. Works in Node and browsers: files are written to
 * h5wasm's in-memory file system (MEMFS), never to disk.
 */
export async function loadH5wasm(fn: string): Promise<{ h5: H5wasm; module: H5Module }> {
  loading ??= import('h5wasm').then(async (m) => {
    const h5 = (m as unknown as { default?: H5wasm }).default ?? m;
    return { h5, module: await h5.ready };
  });
  try {
    return await loading;
  } catch (err) {
    loading = null;
    throw new ModelImportError(
      `${fn}: could not load the HDF5 reader h5wasm (${(err as Error).message}). It is a dependency of @lipnet/interop; reinstall the package.`,
    );
  }
}

/** The innermost message of an HDF5 error stack (`#00N: … in H5F__super_read(): truncated file: …`). */
export function hdf5ErrorSummary(err: unknown): string {
  const text = String((err as Error)?.message ?? err);
  const frames = [...text.matchAll(/#\d+:[^\n]*?\(\):\s*([^\n]+)/g)].map((m) => m[1]!.trim());
  return frames.length ? frames[frames.length - 1]! : text.split('\n')[0]!.slice(0, 300);
}
