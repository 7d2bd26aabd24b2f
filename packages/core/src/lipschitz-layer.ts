/**
 * Contract between the @lipnet layers, `sequential`, `condense`,
 * `vanillaExport` and @lipnet/certificates. deel-lip:
 * `deel.lip.layers.base_layer.LipschitzLayer` and `Condensable`.
 */

/**
 * A layer whose Lipschitz constant (w.r.t. the L2 norm) is `kCoefLip` by construction.
 *
 * @example
 * if (isLipschitzLayer(layer)) console.log(layer.kCoefLip);
 */
export interface LipschitzLayer {
  /** Marker; true for every @lipnet Lipschitz layer. */
  readonly isLipschitz: true;
  /** The Lipschitz constant the layer guarantees (deel-lip `k_coef_lip`). */
  kCoefLip: number;
  /** Sets `kCoefLip`; used by `sequential({kCoefLip})` to spread k over n layers as k^(1/n). Must be called before `build`. */
  setKCoefLip(k: number): void;
}

/**
 * A reparametrised layer that can fold its normalised weights into its raw ones
 * and export a plain layer. `Layer` is the layer type of the export (tfjs-layers'
 * `Layer` in @lipnet/layers; core does not depend on tfjs-layers).
 *
 * @example
 * if (isCondensable(layer)) { layer.condense(); const dense = layer.vanillaExport(); }
 */
export interface Condensable<Layer = unknown> {
  /** Overwrites the raw kernel with the normalised one (deel-lip `condense`). */
  condense(): void;
  /**
   * A plain layer (e.g. tfjs' `Dense`, `Conv2D`) computing the same function,
   * built and holding the normalised weights computed from the *current* raw
   * weights (never a stale cache). deel-lip `vanilla_export`.
   */
  vanillaExport(): Layer;
}

/** True when `layer` implements {@link LipschitzLayer}. */
export function isLipschitzLayer(layer: unknown): layer is LipschitzLayer {
  return typeof layer === 'object' && layer !== null && (layer as { isLipschitz?: unknown }).isLipschitz === true;
}

/** True when `layer` implements {@link Condensable}. */
export function isCondensable<Layer = unknown>(layer: unknown): layer is Condensable<Layer> {
  return (
    typeof layer === 'object' &&
    layer !== null &&
    typeof (layer as Condensable).condense === 'function' &&
    typeof (layer as Condensable).vanillaExport === 'function'
  );
}
