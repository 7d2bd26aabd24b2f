type Shape = Array<number | null>;

/**
 * Thrown when a normalisation layer of @lipnet/layers (LayerCentering, BatchCentering,
 * BatchLipNorm, ScaleBiasLayer) gets an argument or an input it cannot handle; the message
 * names the class, the argument, the value and the fix.
 */
export class NormalizationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NormalizationConfigError';
    Object.setPrototypeOf(this, NormalizationConfigError.prototype);
  }
}

/** The known channel count (last axis) of an input shape, for a `[C]` bias. */
export function channelCount(className: string, inputShape: Shape | Shape[]): number {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  const c = shape[shape.length - 1];
  if (shape.length < 2 || c == null) {
    throw new NormalizationConfigError(
      `${className}: expected an input of rank ≥ 2 with a known channel count (last axis), got [${shape.map(String)}]. Give the model a fixed inputShape.`,
    );
  }
  return c;
}

/** Checks a boolean option. */
export function checkBoolean(className: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') {
    throw new NormalizationConfigError(
      `${className}: expected \`${arg}\` to be a boolean, got ${JSON.stringify(v)}. Pass true or false.`,
    );
  }
  return v;
}
