/**
 * Raised when a backend named by `LIPNET_BACKEND` / `prefer` cannot be used.
 * The message names the backend, the reason and the fix; `backend`, `reason`
 * and `fix` carry the same facts for programs.
 */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(`selectBackend: backend '${backend}' is not available: ${reason}. ${fix}`);
    this.name = 'BackendUnavailableError';
  }
}

/** Raised for a backend name lipnet does not know. */
export class UnknownBackendError extends Error {
  constructor(
    readonly backend: string,
    readonly known: readonly string[],
    source: string,
  ) {
    super(
      `selectBackend: unknown backend '${backend}' (from ${source}). Use one of: ${known.join(', ')} — or unset it for the automatic choice.`,
    );
    this.name = 'UnknownBackendError';
  }
}

/**
 * Raised by lipnet's wasm kernels and their registration: a kernel they build
 * on is missing (another tfjs-backend-wasm version), an unknown kernel name,
 * or a layout they do not run. The message names the kernel and the fix.
 */
export class WasmKernelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmKernelsError';
  }
}
