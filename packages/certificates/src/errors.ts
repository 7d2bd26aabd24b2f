/**
 * Errors thrown by @lipnet/certificates. Each is an `Error` subclass with `name`
 * set; messages name the function, the argument, the value received and the fix.
 */

/** An argument has the wrong shape, type or range. */
export class CertificatesArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificatesArgumentError';
  }
}

/**
 * `lipschitzUpperBound` met a layer it cannot bound (unknown `className`, a layer
 * that is not Lipschitz such as LayerNormalization or Multiply, or an unsupported configuration).
 */
export class UnsupportedLayerError extends Error {
  /** The layer's `name` in the model. */
  readonly layerName: string;
  /** The layer's tfjs `className`. */
  readonly className: string;
  constructor(layerName: string, className: string, message: string) {
    super(message);
    this.name = 'UnsupportedLayerError';
    this.layerName = layerName;
    this.className = className;
  }
}

/**
 * A numerical check inside a bound failed (e.g. a Condensable layer's
 * `vanillaExport()` does not compute what the layer computes, so a bound on the
 * export would not bound the running layer).
 */
export class BoundVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundVerificationError';
  }
}
