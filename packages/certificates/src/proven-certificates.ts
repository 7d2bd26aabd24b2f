import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { certificatesFromBound, type LipschitzBoundLike } from './certificates';
import { LipnetInputError, defineOptions, opt } from '@lipnet/core';
import { provenBoundOption } from './bound-option';
import { lipschitzUpperBound, type LipschitzUpperBoundOptions } from './lipschitz-upper-bound';

/** Options of {@link provenCertificates}. */
export interface ProvenCertificatesOptions {
  /**
   * A bound already proven for `model` (`lipschitzUpperBound(model)`), to reuse across calls.
   * Default: proven here. It must be the bound of this model with its current weights.
   */
  bound?: LipschitzBoundLike;
  /** Options of `lipschitzUpperBound` when the bound is proven here (`inputShape`, `verify`). */
  boundOptions?: LipschitzUpperBoundOptions;
  /** Which constants of the bound to use (see `certificatesFromBound`). Default: 'pairwise' when the model ends with a linear Dense, else 'global'. */
  use?: 'pairwise' | 'heads' | 'global';
  /** Batch size of `model.predict`. Default 256. */
  batchSize?: number;
}

/** The options of {@link provenCertificates}, declared once. */
export const PROVEN_CERTIFICATES_OPTIONS = defineOptions('provenCertificates', {
  bound: provenBoundOption('Pass lipschitzUpperBound(model), or leave `bound` out to prove it here.'),
  boundOptions: opt.any(),
  use: opt.oneOf(['pairwise', 'heads', 'global'] as const),
  batchSize: opt.integer({ min: 1 }).default(256),
});

/** Result of {@link provenCertificates}. */
export interface ProvenCertificates {
  /** One certified L2 radius per sample (caller disposes). */
  radii: tf.Tensor1D;
  /** The model's logits on the samples (caller disposes). */
  logits: tf.Tensor;
  /** The bound the radii were computed from. */
  bound: LipschitzBoundLike;
}

/**
 * Certified L2 radii that hold **by proof**, in one call: the model's Lipschitz bound is proven from
 * its layers as they run (`lipschitzUpperBound`: certified spectral norms of every kernel and conv
 * operator, closed forms for the other layers, propagated through the graph), then each sample's
 * radius is `min_{j≠c} (f_c(x) − f_j(x)) / L_cj` with the proven logit-difference constants L_cj
 * (`certificatesFromBound`). Nothing is assumed about the model's nominal constant; what remains
 * assumed is real arithmetic for the forward pass (float32 rounding, ≈ 1e-7 relative, is not
 * covered). This is the path to use; `certificates(logits, {lipschitzConstant})` is the nominal one
 * (sound only when the constant you pass is a proven bound).
 *
 * @example
 * const { radii, logits } = provenCertificates(model, xTest);
 * radii.print();
 */
export function provenCertificates(
  model: tfl.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  options: ProvenCertificatesOptions = {},
): ProvenCertificates {
  const { bound: given, boundOptions, use, batchSize } = PROVEN_CERTIFICATES_OPTIONS.parse(options);
  if (model.outputs.length !== 1) {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'provenCertificates',
      option: 'model',
      message: `the model has ${model.outputs.length} outputs; certificates need one logit vector. Bound the classifier output alone (tf.model({inputs, outputs: logits})).`,
    });
  }
  const bound = given ?? lipschitzUpperBound(model, boundOptions as LipschitzUpperBoundOptions | undefined);
  const logits = model.predict(x, { batchSize }) as tf.Tensor;
  try {
    const radii = certificatesFromBound(logits, bound, use ? { use } : {});
    return { radii, logits, bound };
  } catch (e) {
    logits.dispose();
    throw e;
  }
}
