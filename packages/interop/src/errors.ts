/**
 * The error thrown by `@lipnet/interop` when a file cannot be loaded faithfully: corrupt or truncated bytes,
 * a file that is not a saved model, or a layer class or option that lipnet does not reproduce. It never
 * loads part of a model: any problem stops the load. The message names the function, the file part
 * (layer, weight, option), what was wrong and what to do.
 *
 * @example
 * try { await loadDeelLipModel(bytes); } catch (e) { if (e instanceof ModelImportError) console.error(e.message); }
 */
export class ModelImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelImportError';
    Object.setPrototypeOf(this, ModelImportError.prototype);
  }
}
