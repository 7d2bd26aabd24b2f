import type { FloatDataset } from '../hdf5/hdf5-reader';

/** The weights one saved layer holds, in save order; `names` (.h5 files only) are the saved names (`conv1/kernel:0`). */
export interface SavedLayerWeights {
  arrays: FloatDataset[];
  names?: string[];
}

/** What a saved model file holds, in either format. */
export interface SavedModelFile {
  format: 'h5' | 'keras';
  /** `keras_version` recorded by Keras (e.g. `2.15.0`). */
  kerasVersion: string | undefined;
  /** The parsed model config: `{class_name, config: {layers, …}}`. */
  modelConfig: Record<string, unknown>;
  /**
   * The weights by layer: `.h5` files key them by layer name, `.keras` files by Keras' snake_case class key
   * (`spectral_conv2d_1`). `extra` lists datasets saved outside a layer's own variables (`activation/vars/0`).
   */
  layers: Map<string, SavedLayerWeights & { extra: string[] }>;
}
