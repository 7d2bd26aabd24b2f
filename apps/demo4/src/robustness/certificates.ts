/**
 * Certificates of the selected images: for a network whose every logit head is
 * 1-Lipschitz (the last layer is a disjoint FrobeniusDense), no L2
 * perturbation smaller than `(top1 − top2) / 2` changes the class
 * (`@lipnet/certificates`' `certificates(logits, {disjointHeads: true})`,
 * the notebook's `compute_certificate`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { certificates as certify } from '@lipnet/certificates';

/** Certificate and the two largest logits of each image. */
export interface CertificateReport {
  certificates: number[];
  top2: { values: [number, number]; classes: [number, number] }[];
}

/** Certificates `(top1 − top2)/2` and the top-2 logits of `images` under `model`. */
export async function certifyImages(model: tfl.LayersModel, images: tf.Tensor): Promise<CertificateReport> {
  const logits = model.predict(images) as tf.Tensor2D;
  const certT = certify(logits, { disjointHeads: true });
  const { values: topV, indices: topI } = tf.topk(logits, 2);
  try {
    const certs = Array.from(await certT.data());
    const tv = await topV.array();
    const ti = await topI.array();
    return {
      certificates: certs,
      top2: tv.map((v, i) => ({ values: [v[0]!, v[1]!], classes: [ti[i]![0]!, ti[i]![1]!] })),
    };
  } finally {
    tf.dispose([certT, topV, topI, logits]);
  }
}
