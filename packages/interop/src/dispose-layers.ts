import type * as tfl from '@tensorflow/tfjs-layers';

/** Frees the weights of layers built for a model that could not be completed (a failed load leaves nothing). */
export function disposeLayers(layers: tfl.layers.Layer[]): void {
  for (const l of layers) {
    if (!l.built) continue;
    try {
      l.dispose();
    } catch {
      // tfjs refuses to dispose a layer twice or one it never counted; its weights are then someone else's.
    }
  }
}
