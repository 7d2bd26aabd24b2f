import { LipnetDataError, LipnetInputError } from '@lipnet/core';

// @lipnet/io's errors are @lipnet/core's: a missing or corrupt model folder is a `LipnetDataError`
// (FILE_NOT_FOUND, CORRUPT_DATA: catch it to tell the user to save or copy the model again), a wrong
// argument (not a model, not a folder path, an unwritable folder) a `LipnetInputError`.

/** A file or folder `loadModel` needs is missing (`LipnetDataError`, code `FILE_NOT_FOUND`). */
export function missingFile(who: string, message: string, option = 'dir'): LipnetDataError {
  return new LipnetDataError({ code: 'FILE_NOT_FOUND', who, option, message });
}

/** A file of the model folder is damaged, truncated or unsafe (`LipnetDataError`, code `CORRUPT_DATA`). */
export function corruptFile(who: string, message: string, option = 'dir', cause?: unknown): LipnetDataError {
  return new LipnetDataError({ code: 'CORRUPT_DATA', who, option, message, cause });
}

/** An argument that cannot be used (`LipnetInputError`, code `INVALID_ARGUMENT`). */
export function badArgument(who: string, option: string, message: string): LipnetInputError {
  return new LipnetInputError({ code: 'INVALID_ARGUMENT', who, option, message });
}
