/**
 * Errors demo4 raises on purpose. Each is an `Error` subclass with `name` set;
 * messages name the input, give the value and say how to fix it. `main.ts`
 * prints `message` (no stack) for these and exits with `exitCode`.
 */

/** Base class: an expected, user-facing failure with its own exit code. */
export class Demo4Error extends Error {
  /** Process exit code `main` uses for this error. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'Demo4Error';
    this.exitCode = exitCode;
  }
}

/** A bad command-line flag or value (exit code 2, like most CLIs). */
export class CliError extends Demo4Error {
  constructor(message: string) {
    super(message, 2);
    this.name = 'CliError';
  }
}

/** Fashion-MNIST could not be found in any searched place. */
export class DatasetNotFoundError extends Demo4Error {
  /** Every folder that was searched, in order. */
  readonly searched: string[];
  constructor(message: string, searched: string[]) {
    super(message, 3);
    this.name = 'DatasetNotFoundError';
    this.searched = searched;
  }
}

/** An IDX file exists but is malformed (bad magic, wrong counts, bad gzip, truncated). */
export class CorruptDatasetError extends Demo4Error {
  /** The offending file. */
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`demo4: ${file} is not a valid IDX file: ${problem}`, 3);
    this.name = 'CorruptDatasetError';
    this.file = file;
  }
}

/** The output folder cannot be created or written. */
export class OutputDirError extends Demo4Error {
  constructor(message: string) {
    super(message, 4);
    this.name = 'OutputDirError';
  }
}

/** A checkpoint is missing, corrupt, or does not match the model / run settings. */
export class CheckpointError extends Demo4Error {
  constructor(message: string) {
    super(message, 5);
    this.name = 'CheckpointError';
  }
}

/** A certificate was not below the observed adversarial distance. */
export class CertificateViolationError extends Demo4Error {
  constructor(message: string) {
    super(message, 6);
    this.name = 'CertificateViolationError';
  }
}

/**
 * The run was stopped by SIGINT, SIGTERM or SIGHUP; the checkpoint was saved.
 * Exit code 128 + the signal's number (130 for ^C, 143 for SIGTERM, 129 for SIGHUP), as a shell reports it.
 */
export class InterruptedError extends Demo4Error {
  constructor(message: string, exitCode = 130) {
    super(message, exitCode);
    this.name = 'InterruptedError';
  }
}

/** A training worker thread failed (e.g. its wasm heap overflowed); the last epoch's checkpoint is kept. Exit code 8. */
export class WorkerFailureError extends Demo4Error {
  constructor(message: string) {
    super(message, 8);
    this.name = 'WorkerFailureError';
  }
}
