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

/** Checks the options deel-lip's Lipschitz convolutions restrict (padding 'same', odd kernel, no dilation, channels last). */
export function checkConvOptions(
  owner: string,
  a: { padding?: unknown; kernelSize: [number, number]; dilationRate?: unknown; dataFormat?: unknown },
): void {
  if (a.padding !== undefined && a.padding !== 'same') {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'padding',
      message: `expected \`padding\` to be 'same', got ${formatValue(a.padding)}. deel-lip's Lipschitz coefficient is derived for zero 'same' padding; pass padding: 'same'.`,
    });
  }
  if (a.kernelSize.some((k) => k % 2 === 0)) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'kernelSize',
      message: `expected an odd \`kernelSize\`, got ${formatValue(a.kernelSize)}. 'same' padding centres the kernel only when it is odd; pass e.g. 3 or 5.`,
    });
  }
  if (
    a.dilationRate !== undefined &&
    !(a.dilationRate === 1 || (Array.isArray(a.dilationRate) && a.dilationRate.every((d) => d === 1)))
  ) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'dilationRate',
      message: `\`dilationRate\` ${formatValue(a.dilationRate)} is not supported (deel-lip raises too). Pass 1.`,
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
