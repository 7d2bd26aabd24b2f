/**
 * Thrown when a loss is built with a bad hyper-parameter (`alpha < 0`,
 * `minMargin <= 0`, unknown `reduction`…). The message names the loss, the
 * argument, the value received and the fix, e.g.
 * "MulticlassHKR: expected `alpha` to be ≥ 0 (or Infinity for hinge only), got -1. Pass a non-negative number."
 */
export class LossArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LossArgumentError';
  }
}

/**
 * Thrown when a loss is called on tensors it cannot accept: label/prediction shape
 * mismatch, labels that are not one-hot where one-hot is required, labels outside
 * {−1, 0, 1}, NaN or ±Infinity. The message names the loss, the argument
 * (`yTrue` / `yPred`), the offending value and its position, and the fix.
 */
export class LossInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LossInputError';
  }
}
