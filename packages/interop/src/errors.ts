import { LipnetError, type LipnetErrorCode } from '@lipnet/core';

/** Codes of {@link ModelImportError}: what kind of refusal it is. */
export type ModelImportErrorCode = Extract<
  LipnetErrorCode,
  'CORRUPT_DATA' | 'UNSUPPORTED_LAYER' | 'UNSUPPORTED_CONFIGURATION' | 'INVALID_ARGUMENT'
>;

/** The code and argument of a {@link ModelImportError}, when they are not the default (`CORRUPT_DATA`, none). */
export interface ModelImportErrorDetails {
  /** `CORRUPT_DATA` (default: truncated, damaged or not a saved model), `UNSUPPORTED_LAYER` (a class lipnet has no counterpart for), `UNSUPPORTED_CONFIGURATION` (an option lipnet does not reproduce), `INVALID_ARGUMENT` (not bytes). */
  code?: ModelImportErrorCode;
  /** The argument at fault, e.g. `'bytes'`, `'safetensors'`, `'architecture'`. */
  option?: string;
  /** The underlying error (h5wasm's, fflate's, JSON's). */
  cause?: unknown;
}

/**
 * The error thrown by `@lipnet/interop` when a file cannot be loaded faithfully: corrupt or truncated bytes,
 * a file that is not a saved model, or a layer class or option that lipnet does not reproduce. It is a
 * `LipnetError` of `@lipnet/core` with a stable `code` ({@link ModelImportErrorCode}) and the loader's name as
 * `who`. It never loads part of a model: any problem stops the load. The message names the function, the file
 * part (layer, weight, option), what was wrong and what to do.
 *
 * @example
 * try { await loadDeelLipModel(bytes); } catch (e) { if (e instanceof ModelImportError) console.error(e.code, e.message); }
 */
export class ModelImportError extends LipnetError {
  declare readonly code: ModelImportErrorCode;

  /** `message` reads "<loader>: <what was wrong>. <what to do>"; the loader's name becomes `who`. */
  constructor(message: string, details: ModelImportErrorDetails = {}) {
    const colon = message.indexOf(': ');
    const [who, rest] = colon > 0 ? [message.slice(0, colon), message.slice(colon + 2)] : ['@lipnet/interop', message];
    super({ code: details.code ?? 'CORRUPT_DATA', who, option: details.option, cause: details.cause, message: rest });
    this.name = 'ModelImportError';
  }
}
