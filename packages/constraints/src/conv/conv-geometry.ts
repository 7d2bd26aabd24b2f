import { LipnetInputError, LipnetOptionError, formatValue } from '@lipnet/core';

/**
 * How a convolution pads its input:
 * - `'same'` / `'valid'`: tfjs' (and Keras') zero padding: `'same'` pads ⌈n/s⌉-sized outputs with
 *   the extra zero at the bottom/right when the total is odd, `'valid'` does not pad;
 * - `'constant'` (torch `padding_mode='zeros'`), `'reflect'` (mirror without the edge: d c b | a b c d),
 *   `'symmetric'` (mirror with the edge: b a | a b c d), `'replicate'` (the edge repeated: a a | a b c d),
 *   `'circular'` (wrap around: c d | a b c d): ⌊((k−1)·d + 1)/2⌋ pixels on each side, then a 'valid'
 *   convolution — deel-lip's `PadConv2D` (k//2) and deel-torchlip's `PadConv2d` / `padding_mode`
 *   (padding (k−1)/2 for odd k).
 */
export type ConvPadding = 'same' | 'valid' | 'constant' | 'reflect' | 'symmetric' | 'replicate' | 'circular';

/** Every {@link ConvPadding}. */
export const CONV_PADDINGS: readonly ConvPadding[] = [
  'same',
  'valid',
  'constant',
  'reflect',
  'symmetric',
  'replicate',
  'circular',
];

/** Geometry of a 2-D convolution `y = conv2d(x, K)` in tfjs layout (NHWC input, kernel [kh, kw, cin, cout]). */
export interface Conv2DGeometry {
  /** Input height and width (the real input size the layer runs on). */
  inH: number;
  inW: number;
  /** Kernel size. */
  kh: number;
  kw: number;
  cin: number;
  cout: number;
  /** Strides `[sh, sw]`. Default `[1, 1]`. */
  strides?: [number, number];
  /** Dilation `[dh, dw]`. Default `[1, 1]`. */
  dilation?: [number, number];
  /** Padding (see {@link ConvPadding}). */
  padding: ConvPadding;
}

/** One spatial axis of a convolution: its sizes, padding and which input index each padded position holds. */
export interface ConvAxis {
  /** Input size. */
  n: number;
  /** Kernel size, stride, dilation. */
  k: number;
  s: number;
  d: number;
  /** Output size. */
  out: number;
  /** Padded positions before and after the input. */
  padBefore: number;
  padAfter: number;
  padding: ConvPadding;
}

/** Zero-padding modes: padded positions outside the input hold zeros. */
export function isZeroPadding(p: ConvPadding): boolean {
  return p === 'same' || p === 'valid' || p === 'constant';
}

/**
 * The axis plan of a convolution along one spatial axis of size `n` (tfjs `computeConv2DInfo` for
 * 'same'/'valid'; ⌊ek/2⌋ on each side then 'valid' for the explicit modes, ek = (k−1)·d + 1).
 * Throws when the input is too small for the kernel or the padding mode.
 */
export function convAxis(
  n: number,
  k: number,
  s: number,
  d: number,
  padding: ConvPadding,
  owner = 'convAxis',
): ConvAxis {
  const ek = (k - 1) * d + 1;
  let out: number;
  let padBefore = 0;
  let padAfter = 0;
  if (padding === 'same') {
    out = Math.ceil(n / s);
    const total = Math.max(0, (out - 1) * s + ek - n);
    padBefore = Math.floor(total / 2);
    padAfter = total - padBefore;
  } else if (padding === 'valid') {
    out = Math.floor((n - ek) / s) + 1;
  } else if (CONV_PADDINGS.includes(padding)) {
    padBefore = padAfter = Math.floor(ek / 2);
    out = Math.floor((n + 2 * padBefore - ek) / s) + 1;
    const most = padding === 'reflect' ? n - 1 : padding === 'replicate' || padding === 'constant' ? Infinity : n;
    if (padBefore > most) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: owner,
        option: 'input',
        message: `'${padding}' padding of ${padBefore} pixels needs an input of at least ${padding === 'reflect' ? padBefore + 1 : padBefore} pixels along each padded axis, got ${n}. Pass a larger input, or padding 'same' / 'constant'.`,
      });
    }
  } else {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'padding',
      message: `expected \`padding\` to be one of ${CONV_PADDINGS.map((p) => formatValue(p)).join(', ')}, got ${formatValue(padding)}. Pass one of them.`,
    });
  }
  if (!(out >= 1)) {
    throw new LipnetInputError({
      code: 'INVALID_SHAPE',
      who: owner,
      option: 'input',
      message: `an input of ${n} pixels is smaller than the kernel's extent ${ek} with padding ${formatValue(padding)}: no output. Pass a larger input or padding 'same'.`,
    });
  }
  return { n, k, s, d, out, padBefore, padAfter, padding };
}

/** Length of the padded axis. */
export function paddedLength(ax: ConvAxis): number {
  return ax.n + ax.padBefore + ax.padAfter;
}

/** The input index held by padded position `t` (0 ≤ t < paddedLength), or −1 for a zero. */
export function axisSource(ax: ConvAxis, t: number): number {
  const i = t - ax.padBefore;
  const n = ax.n;
  if (i >= 0 && i < n) return i;
  switch (ax.padding) {
    case 'reflect':
      return i < 0 ? -i : 2 * (n - 1) - i;
    case 'symmetric':
      return i < 0 ? -i - 1 : 2 * n - 1 - i;
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'circular':
      return ((i % n) + n) % n;
    default:
      return -1;
  }
}

/** The input index read by output `j` through tap `a` (−1 for a zero). */
export function axisRead(ax: ConvAxis, j: number, a: number): number {
  return axisSource(ax, j * ax.s + a * ax.d);
}

/** The two axes (height, width) of a geometry. */
export function convAxes(g: Conv2DGeometry, owner = 'convAxes'): [ConvAxis, ConvAxis] {
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilation ?? [1, 1];
  return [convAxis(g.inH, g.kh, sh, dh, g.padding, owner), convAxis(g.inW, g.kw, sw, dw, g.padding, owner)];
}

/**
 * Output size and top/left padding of a convolution (tfjs `computeConv2DInfo` for 'same'/'valid';
 * ⌊ek/2⌋ for the explicit modes).
 */
export function convOutputAndPadding(g: Conv2DGeometry): {
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
} {
  const [h, w] = convAxes(g, 'convOutputAndPadding');
  return { outH: h.out, outW: w.out, padTop: h.padBefore, padLeft: w.padBefore };
}
