/**
 * Certificates of the selected images, two ways side by side:
 * - proven: `min_j (f_c − f_j)/L_cj` with the logit-difference constants L_cj of
 *   the exported model's proven bound (`certificatesFromBound` of @lipnet/certificates);
 * - nominal: the notebook's `compute_certificate`, `(top1 − top2)/2`, which
 *   assumes every logit head is 1-Lipschitz (`certificates(logits, {disjointHeads: true})`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { certificates as nominalRadii, certificatesFromBound, type LipschitzBoundLike } from '@lipnet/certificates';

/** Certificates and the two largest logits of each image. */
export interface CertificateReport {
  /** Proven radii (from the proven bound): the ones demo4 reports and checks. */
  certificates: number[];
  /** The notebook's nominal radii (top1 − top2)/2, for comparison. */
  nominalCertificates: number[];
  top2: { values: [number, number]; classes: [number, number] }[];
}

/** Proven and nominal certificates and the top-2 logits of `images` under `model`, whose proven bound is `bound`. */
export async function certifyImages(
  model: tfl.LayersModel,
  images: tf.Tensor,
  bound: LipschitzBoundLike,
): Promise<CertificateReport> {
  const logits = model.predict(images) as tf.Tensor2D;
  const provenT = certificatesFromBound(logits, bound);
  const nominalT = nominalRadii(logits, { disjointHeads: true });
  const { values: topV, indices: topI } = tf.topk(logits, 2);
  try {
    const tv = await topV.array();
    const ti = await topI.array();
    return {
      certificates: Array.from(await provenT.data()),
      nominalCertificates: Array.from(await nominalT.data()),
      top2: tv.map((v, i) => ({ values: [v[0]!, v[1]!], classes: [ti[i]![0]!, ti[i]![1]!] })),
    };
  } finally {
    tf.dispose([provenT, nominalT, topV, topI, logits]);
  }
}
