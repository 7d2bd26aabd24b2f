import {
  LipnetError,
  LipnetOptionError,
  LipnetUnsupportedError,
  type LipnetErrorCode,
  type UnsupportedErrorCode,
} from '@lipnet/core';

/** "who: what" → its two parts (these errors are built from whole sentences). */
function split(message: string): { who: string; message: string } {
  const i = message.indexOf(': ');
  return i > 0 && i < 60
    ? { who: message.slice(0, i), message: message.slice(i + 2) }
    : { who: '@lipnet/backend', message };
}

/**
 * Raised when a backend named by `LIPNET_BACKEND` / `prefer` cannot be used: a
 * `LipnetUnsupportedError` (code `UNAVAILABLE`). The message names the backend,
 * the reason and the fix; `backend`, `reason` and `fix` carry the same facts for programs.
 */
export class BackendUnavailableError extends LipnetUnsupportedError {
  constructor(
    readonly backend: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super({
      code: 'UNAVAILABLE',
      who: 'selectBackend',
      option: 'backend',
      message: `backend '${backend}' is not available: ${reason}. ${fix}`,
    });
    this.name = 'BackendUnavailableError';
  }
}

/** Raised for a backend name lipnet does not know: a `LipnetOptionError` (code `INVALID_OPTION`, option `backend`). */
export class UnknownBackendError extends LipnetOptionError {
  constructor(
    readonly backend: string,
    readonly known: readonly string[],
    source: string,
  ) {
    super({
      code: 'INVALID_OPTION',
      who: 'selectBackend',
      option: 'backend',
      message: `unknown backend '${backend}' (from ${source}). Use one of: ${known.join(', ')} — or unset it for the automatic choice.`,
    });
    this.name = 'UnknownBackendError';
  }
}

/**
 * Raised by lipnet's wasm kernels and their registration: a kernel they build
 * on is missing (another tfjs-backend-wasm version), an unknown kernel name,
 * or a layout they do not run. A `LipnetUnsupportedError`; the message names the kernel and the fix.
 */
export class WasmKernelsError extends LipnetUnsupportedError {
  constructor(message: string, code: UnsupportedErrorCode = 'UNSUPPORTED_CONFIGURATION') {
    super({ code, ...split(message) });
    this.name = 'WasmKernelsError';
  }
}

/**
 * Raised by `DataParallelTrainer` for bad options, empty batches or a failing
 * worker (code `WORKER_FAILED` unless given); the message names the cause and the fix.
 */
export class DataParallelError extends LipnetError {
  constructor(message: string, code: LipnetErrorCode = 'WORKER_FAILED') {
    super({ code, ...split(message) });
    this.name = 'DataParallelError';
  }
}
