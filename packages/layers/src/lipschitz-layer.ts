import type * as tfl from '@tensorflow/tfjs-layers';
import { isCondensable as isCoreCondensable, type Condensable as CoreCondensable } from '@lipnet/core';

/**
 * The contract between the @lipnet layers, `sequential`, `condense`, `vanillaExport`
 * and @lipnet/certificates lives in `@lipnet/core` (deel-lip's `LipschitzLayer` and
 * `Condensable`); here `Condensable` exports a tfjs-layers `Layer`.
 */
export { isLipschitzLayer, type LipschitzLayer } from '@lipnet/core';

/** A reparametrised layer that can fold its normalised weights and export a plain tfjs-layers layer. */
export type Condensable = CoreCondensable<tfl.layers.Layer>;

/** True when `layer` implements {@link Condensable} (`condense` and `vanillaExport`). */
export function isCondensable(layer: unknown): layer is Condensable {
  return isCoreCondensable<tfl.layers.Layer>(layer);
}
