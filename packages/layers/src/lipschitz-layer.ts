import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Contract between the @lipnet layers, `sequential`, `condense`, `vanillaExport`
 * and @lipnet/certificates. deel-lip: `deel.lip.layers.base_layer.LipschitzLayer`
 * and `Condensable`.
 */

/** A layer whose Lipschitz constant (w.r.t. the L2 norm) is `kCoefLip` by construction. */
export interface LipschitzLayer {
  /** Marker; true for every @lipnet Lipschitz layer. */
  readonly isLipschitz: true;
  /** The Lipschitz constant the layer guarantees (deel-lip `k_coef_lip`). */
  kCoefLip: number;
  /** Sets `kCoefLip`; used by `sequential({kCoefLip})` to spread k over n layers as k^(1/n). Must be called before `build`. */
  setKCoefLip(k: number): void;
}

/** A reparametrised layer that can fold its normalised weights into its raw ones and export a plain tfjs layer. */
export interface Condensable {
  /** Overwrites the raw kernel with the normalised one (deel-lip `condense`). */
  condense(): void;
  /**
   * A plain tfjs-layers layer (e.g. `Dense`, `Conv2D`) computing the same function,
   * built and holding the normalised weights computed from the *current* raw
   * weights (never a stale cache). deel-lip `vanilla_export`.
   */
  vanillaExport(): tfl.layers.Layer;
}

/** True when `layer` implements {@link LipschitzLayer}. */
export function isLipschitzLayer(layer: unknown): layer is LipschitzLayer {
  return typeof layer === 'object' && layer !== null && (layer as { isLipschitz?: unknown }).isLipschitz === true;
}

/** True when `layer` implements {@link Condensable}. */
export function isCondensable(layer: unknown): layer is Condensable {
  return (
    typeof layer === 'object' &&
    layer !== null &&
    typeof (layer as Condensable).condense === 'function' &&
    typeof (layer as Condensable).vanillaExport === 'function'
  );
}
