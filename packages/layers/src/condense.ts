import * as tfl from '@tensorflow/tfjs-layers';
import { isCondensable } from './lipschitz-layer';

/** Every layer of `model`, descending into nested models. */
export function flattenLayers(model: tfl.LayersModel | tfl.layers.Layer): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  const walk = (l: tfl.layers.Layer) => {
    const inner = (l as unknown as { layers?: tfl.layers.Layer[] }).layers;
    if (Array.isArray(inner)) inner.forEach(walk);
    else out.push(l);
  };
  walk(model);
  return out;
}

/**
 * Calls `condense()` on every Condensable layer of `model` (nested models
 * included): raw kernel ← normalised kernel, so the raw weights stay near the
 * constraint set. deel-lip: `Sequential.condense()` / `Model.condense()`.
 * Returns the number of layers condensed.
 */
export function condense(model: tfl.LayersModel): number {
  let n = 0;
  for (const l of flattenLayers(model)) {
    if (isCondensable(l)) {
      l.condense();
      n++;
    }
  }
  return n;
}
