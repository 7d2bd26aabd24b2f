import { ModelImportError } from '../../errors';
import { describeLayer, type LayerSpec } from '../../keras/layer-spec';
import { DEEL_LIP_ACTIVATIONS, KERAS_ACTIVATIONS } from './activations';
import type { LayerConverter } from './converter';
import { KERAS_BUILTINS } from './keras-builtins';
import { DEEL_LIP_POOLING } from './pooling';
import { DEEL_LIP_REPARAMETRIZED } from './reparametrized';

export type { ConvertedLayer, ConverterContext, LayerConverter, WeightSlot } from './converter';

const DEEL_LIP: Record<string, LayerConverter> = {
  ...DEEL_LIP_REPARAMETRIZED,
  ...DEEL_LIP_POOLING,
  ...DEEL_LIP_ACTIVATIONS,
};
const KERAS: Record<string, LayerConverter> = { ...KERAS_BUILTINS, ...KERAS_ACTIVATIONS };

/** deel-lip 1.5 layers lipnet has no counterpart for, and why. */
const MISSING: Record<string, string> = {
  SpectralConv2DTranspose: 'lipnet has no transposed spectral convolution yet',
  PadConv2D: "lipnet has no PadConv2D (padding other than zero 'same') yet",
};

/** The deel-lip and Keras classes {@link converterFor} knows, for messages and docs. */
export const SUPPORTED_CLASSES = {
  deelLip: Object.keys(DEEL_LIP).sort(),
  keras: ['InputLayer', ...Object.keys(KERAS)].sort(),
};

/** The converter of a saved layer's class, or a {@link ModelImportError} naming it and what lipnet supports. */
export function converterFor(fn: string, spec: LayerSpec): LayerConverter {
  const table = spec.origin === 'deel-lip' ? DEEL_LIP : KERAS;
  const c = Object.prototype.hasOwnProperty.call(table, spec.className) ? table[spec.className] : undefined;
  if (c) return c;
  const why =
    spec.origin === 'deel-lip'
      ? (MISSING[spec.className] ?? 'lipnet has no counterpart')
      : 'lipnet does not load this Keras layer';
  const list = spec.origin === 'deel-lip' ? SUPPORTED_CLASSES.deelLip : SUPPORTED_CLASSES.keras;
  throw new ModelImportError(
    `${fn}: ${describeLayer(spec)} is not supported: ${why}. Supported ${spec.origin === 'deel-lip' ? 'deel-lip' : 'Keras'} classes: ${list.join(', ')}. Nothing was loaded.`,
    { code: 'UNSUPPORTED_LAYER' },
  );
}
