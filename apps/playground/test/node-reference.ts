/**
 * The Node side of the browser tests: the shipped model and data read from
 * disk and evaluated with the same packages (@lipnet/layers, @lipnet/certificates)
 * on tfjs' cpu backend, independently of the page's code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@lipnet/layers';
import { loadModel } from '@lipnet/io';
import { certificatesFromBound, lipschitzUpperBound, type LipschitzUpperBound } from '@lipnet/certificates';
import { decodePackedImages, imageAsFloats, type PackedImages } from '../src/data/packed-images';

/** apps/playground/public. */
export const PUBLIC_DIR = path.join(__dirname, '..', 'public');

/** Loads public/model (model.json + weights.bin) with @lipnet/io, as Node reads any TF.js model folder. */
export function loadShippedModel(dir = path.join(PUBLIC_DIR, 'model')): Promise<tfl.LayersModel> {
  return loadModel(dir);
}

/** The shipped test images. */
export function loadTestImages(): PackedImages {
  return decodePackedImages(new Uint8Array(fs.readFileSync(path.join(PUBLIC_DIR, 'data/fashion-mnist-test-500.bin'))));
}

/** What Node computes for one test image. */
export interface NodeCertificate {
  logits: number[];
  predicted: number;
  radius: number;
  bound: LipschitzUpperBound;
}

/** Logits, class and proven certificate of test image `index` on the cpu backend. */
export function certifyInNode(
  model: tfl.LayersModel,
  bound: LipschitzUpperBound,
  test: PackedImages,
  index: number,
): NodeCertificate {
  const [logits, radius] = tf.tidy(() => {
    const z = model.predict(tf.tensor4d(imageAsFloats(test, index), [1, 28, 28, 1])) as tf.Tensor2D;
    return [Array.from(z.dataSync()), certificatesFromBound(z, bound).dataSync()[0]!] as const;
  });
  return { logits, predicted: logits.indexOf(Math.max(...logits)), radius, bound };
}

export { lipschitzUpperBound };
