import { PadConv2D, type ConvPadding } from '@lipnet/layers';
import { baseArgs, channelsLast, kernelBiasLayer, kernelBiasRegularizers } from './common';
import type { LayerConverter } from './converter';
import { split } from './keras-builtins';

const PADDINGS: ConvPadding[] = ['same', 'valid', 'constant', 'reflect', 'symmetric', 'circular'];

/**
 * deel-lip's `PadConv2D` (`deel.lip.layers.unconstrained`, not a Lipschitz layer: a conv with padding
 * 'same', 'valid', 'constant', 'reflect', 'symmetric' or 'circular' of k//2 pixels) → @lipnet `PadConv2D`,
 * which pads as deel-lip does; `lipschitzUpperBound` bounds it by its certified norm. Dilation with an
 * explicit padding is refused: deel-lip pads k//2 where the dilated kernel spans (k − 1)·d + 1.
 */
const padConv2D: LayerConverter = (r, ctx) => {
  const { activation, after } = split(r, ctx);
  channelsLast(r);
  r.only('groups', [1], 'lipnet has no grouped convolution.');
  const padding = r.string('padding', 'same').toLowerCase() as ConvPadding;
  if (!PADDINGS.includes(padding)) throw r.error('padding', `is not one of ${PADDINGS.join(', ')}.`);
  const dilationRate = r.pair('dilation_rate', [1, 1]);
  if (padding !== 'same' && padding !== 'valid' && dilationRate.some((d) => d > 1)) {
    throw r.error(
      'dilation_rate',
      `is not supported with padding '${padding}': deel-lip pads k//2 pixels, which does not centre a dilated kernel; lipnet pads ((k − 1)·d + 1)//2.`,
      'UNSUPPORTED_CONFIGURATION',
    );
  }
  const useBias = r.bool('use_bias', true);
  const layer = new PadConv2D({
    ...baseArgs(r),
    ...kernelBiasRegularizers(r),
    filters: r.number('filters', undefined, { integer: true, min: 1 }),
    kernelSize: r.pair('kernel_size'),
    strides: r.pair('strides', [1, 1]),
    dilationRate,
    padding,
    activation: activation === 'linear' ? null : activation,
    useBias,
  });
  return kernelBiasLayer(r, layer, after, useBias);
};

/** Converters of deel-lip's unconstrained layers. */
export const DEEL_LIP_UNCONSTRAINED: Record<string, LayerConverter> = { PadConv2D: padConv2D };
