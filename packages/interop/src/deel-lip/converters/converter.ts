import type * as tfl from '@tensorflow/tfjs-layers';
import type { InvertibleChannelOrder } from '@lipnet/layers';
import type { ConfigReader } from '../../keras/config-reader';

/**
 * Where one saved weight goes: `saved` is its name in deel-lip's `.h5` files after `<layer>/` without `:0`
 * (`kernel`, `bias`, `sn`, `sigma`, `Variable`, `theta`, `alpha`); `target` is the @lipnet layer weight
 * it fills (`kernel`, `bias`, `u`, `sig`, `theta`, `alpha`) or `'wbar'`: deel-lip's cached normalised
 * kernel, served for inference until the first training step (`setInferenceKernel`).
 */
export interface WeightSlot {
  saved: string;
  target: string;
}

/** A converted layer: the tfjs layers that reproduce it, applied in order (the first holds the weights). */
export interface ConvertedLayer {
  layers: tfl.layers.Layer[];
  /** The saved weights, in deel-lip's save order (trainable first, then non-trainable). */
  weights: WeightSlot[];
}

/** Load options a converter may need. */
export interface ConverterContext {
  /** The calling function, for messages. */
  fn: string;
  /** Channel order of InvertibleDown/UpSampling (the file does not say which deel-lip wrote it). */
  invertibleChannelOrder?: InvertibleChannelOrder;
}

/** Builds the @lipnet/tfjs layers of one saved layer from its config (a strict {@link ConfigReader}). */
export type LayerConverter = (r: ConfigReader, ctx: ConverterContext) => ConvertedLayer;

/** Slots of a layer with a kernel and an optional bias. */
export function kernelBias(useBias: boolean): WeightSlot[] {
  return useBias
    ? [
        { saved: 'kernel', target: 'kernel' },
        { saved: 'bias', target: 'bias' },
      ]
    : [{ saved: 'kernel', target: 'kernel' }];
}
