/**
 * The error thrown by `@lipnet/io` for a missing, corrupt or unsafe model folder. The message names the
 * function, the file, what was wrong and what to do.
 *
 * @example
 * try { await loadModel('no/such/dir'); } catch (e) { (e as ModelFileError).name; } // 'ModelFileError'
 */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
    Object.setPrototypeOf(this, ModelFileError.prototype);
  }
}
