import { CONV_PADDINGS, type ConvPadding } from '@lipnet/constraints';
import { LipnetInputError, LipnetOptionError, formatValue } from '@lipnet/core';

/** Normalises `n | [h, w]` to `[h, w]`, checking positive integers; `arg` names the argument in errors. */
export function pair(owner: string, arg: string, v: unknown, fix: string): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: arg,
      message: `expected \`${arg}\` to be a positive integer or a pair of them, got ${formatValue(v)}. ${fix}`,
    });
  }
  return [p[0] as number, p[1] as number];
}

/** What a convolution layer accepts beyond 'same' (see {@link checkConvOptions}). */
export interface ConvOptionRules {
  /** Accepted paddings; the first is the default. Default: every {@link ConvPadding}, 'same' first. */
  paddings?: readonly ConvPadding[];
  /** Whether dilation > 1 is accepted (with strides 1, as tfjs). Default true. */
  dilation?: boolean;
  /** Whether an even kernel is refused with 'same' and the explicit paddings. Default true. */
  oddKernel?: boolean;
  /** Why the other paddings or dilations are refused (appended to the message). */
  why?: string;
}

/** The padding and dilation of a convolution layer, checked. */
export interface ConvOptions {
  padding: ConvPadding;
  dilation: [number, number];
}

/**
 * Checks a convolution's padding, kernel, dilation and data format: padding one of `rules.paddings`
 * ('same', 'valid', and deel-lip's `PadConv2D` / deel-torchlip's modes 'constant', 'reflect', 'symmetric',
 * 'replicate', 'circular'), an odd kernel unless 'valid' (only an odd kernel is centred), dilation with
 * strides 1 only (tfjs and Keras refuse both), channels last.
 */
export function checkConvOptions(
  owner: string,
  a: {
    padding?: unknown;
    kernelSize: [number, number];
    strides?: [number, number];
    dilationRate?: unknown;
    dataFormat?: unknown;
  },
  rules: ConvOptionRules = {},
): ConvOptions {
  const refuse = (option: string, message: string) =>
    new LipnetOptionError({ code: 'INVALID_OPTION', who: owner, option, message });
  const paddings = rules.paddings ?? CONV_PADDINGS;
  const padding = (a.padding ?? paddings[0]) as ConvPadding;
  const why = rules.why ? ` ${rules.why}` : '';
  if (!paddings.includes(padding)) {
    throw refuse(
      'padding',
      `expected \`padding\` to be one of ${paddings.map((p) => formatValue(p)).join(', ')}, got ${formatValue(a.padding)}.${why}`,
    );
  }
  if ((rules.oddKernel ?? true) && padding !== 'valid' && a.kernelSize.some((k) => k % 2 === 0)) {
    throw refuse(
      'kernelSize',
      `expected an odd \`kernelSize\` with padding ${formatValue(padding)}, got ${formatValue(a.kernelSize)}. Only an odd kernel is centred on its pixel; pass e.g. 3 or 5, or padding 'valid'.`,
    );
  }
  const dilation = pair(owner, 'dilationRate', a.dilationRate ?? 1, 'Pass e.g. 1 or [2, 2].');
  const dilated = dilation.some((d) => d > 1);
  if (dilated && rules.dilation === false) {
    throw refuse('dilationRate', `\`dilationRate\` ${formatValue(a.dilationRate)} is not supported.${why} Pass 1.`);
  }
  if (dilated && (a.strides ?? [1, 1]).some((s) => s > 1)) {
    throw new LipnetOptionError({
      code: 'CONFLICTING_OPTIONS',
      who: owner,
      option: 'dilationRate',
      message: `\`dilationRate\` ${formatValue(a.dilationRate)} with \`strides\` ${formatValue(a.strides)}: tfjs and Keras refuse a dilation and a stride both > 1. Pass strides 1 or dilationRate 1.`,
    });
  }
  if (a.dataFormat !== undefined && a.dataFormat !== 'channelsLast') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'dataFormat',
      message: `\`dataFormat\` ${formatValue(a.dataFormat)} is not supported. Pass 'channelsLast' (NHWC).`,
    });
  }
  return { padding, dilation };
}

/** Throws unless a conv input is rank 4 with known spatial size and channels. */
export function checkConvInput(owner: string, shape: (number | null)[]): [number, number, number] {
  if (shape.length !== 4 || shape.slice(1).some((d) => d === null || !(d > 0))) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: owner,
      option: 'input',
      message: `expected an input of shape [batch, height, width, channels] with known height, width and channels, got ${formatValue(shape)}. Pass inputShape: [h, w, c] to the first layer.`,
    });
  }
  return [shape[1]!, shape[2]!, shape[3]!];
}
