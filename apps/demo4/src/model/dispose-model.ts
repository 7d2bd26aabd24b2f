/**
 * Freeing a tfjs-layers model completely. `LayersModel.dispose()` frees a
 * layer's weights only when the layer's reference count drops to 0, and
 * tfjs-layers 4.22 counts each weighted layer of a Sequential built on an
 * explicit InputLayer twice — `vanillaExport`'s output, and that model
 * reloaded from model.json — so `dispose()` leaves its weights allocated
 * (7 tensors for demo4's export). This frees whatever is left.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** `model.dispose()`, then every weight it left allocated. */
export function disposeModel(model: tfl.LayersModel): void {
  const weights = model.weights;
  model.dispose();
  for (const w of weights) if (!(w as unknown as { val: tf.Variable }).val.isDisposed) w.dispose();
}
