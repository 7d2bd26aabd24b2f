import { LipnetOptionError, deelLipVersionOption, defineOptions, opt } from '@lipnet/core';
import type { DeelLipVersion } from './normalizer-options';

/**
 * Which correction coefficient a convolution applies on top of its
 * orthogonalised reshaped kernel.
 * - `'deel-lip'` (default): deel-lip's `_compute_conv_lip_factor` (1.5) or the
 *   1.2.0 `_compute_lip_coef` formula (with `deelLipVersion: '1.2'`). At stride 1 it is
 *   1/√(average number of kernel taps covering an input pixel with zero
 *   padding), which is **not** a worst-case bound: the conv's true Lipschitz
 *   constant can reach √(kh·kw)·coef, e.g. 3·28/82 = 1.0244 for 3×3 on 28×28.
 * - `'strict'`: 1/√(⌈kh/sh⌉·⌈kw/sw⌉), the deel-torchlip value. Every input pixel
 *   feeds at most ⌈kh/sh⌉·⌈kw/sw⌉ output positions, so ‖conv‖₂ ≤ coef·√(that)·‖W_reshaped‖₂
 *   = 1 for an orthonormal reshaped kernel: a guaranteed bound.
 */
export type ConvLipCoefMode = 'deel-lip' | 'strict';

/** Arguments of {@link convLipschitzCoefficient}. */
export interface ConvLipschitzCoefficientArgs {
  /** [kh, kw]. */
  kernelSize: [number, number];
  /** [sh, sw]. Default [1, 1]. */
  strides?: [number, number];
  /** Input spatial size [h, w]; needed by the deel-lip formulas. */
  inputSize?: [number, number];
  /** `'1.5'` (default) or `'1.2'` (border-aware stride formula of deel-lip 1.2.0). */
  deelLipVersion?: DeelLipVersion;
  /** `'deel-lip'` (default) or `'strict'`. */
  mode?: ConvLipCoefMode;
}

const positivePair = (what: string) =>
  opt
    .arrayOf(opt.integer({ min: 1 }), { length: 2 })
    .describedAs(`a pair of positive integers ${what}`, 'Pass e.g. [3, 3].');
const CONV_COEF_OPTIONS = defineOptions('convLipschitzCoefficient', {
  kernelSize: positivePair('[kh, kw]').required(),
  strides: positivePair('[sh, sw]'),
  inputSize: opt
    .arrayOf(opt.number({ gt: 0 }), { length: 2 })
    .describedAs('a pair of positive sizes [h, w]', 'Pass the input [height, width].'),
  deelLipVersion: deelLipVersionOption,
  mode: opt.oneOf(['deel-lip', 'strict']).default('deel-lip'),
});

/**
 * The factor by which a zero-padded 'same' convolution multiplies its
 * orthonormalised reshaped kernel. With kh2 = (kh−1)/2, kw2 = (kw−1)/2:
 * - stride 1: √( h·w / ((kh·h − kh2(kh2+1)) · (kw·w − kw2(kw2+1))) )
 *   (1/√(average number of uses of a pixel); 28/82 = 0.341463 for 3×3 at 28×28);
 * - stride > 1, deel-lip 1.5: √(1 / (⌈kh/sh⌉·⌈kw/sw⌉)) (0.5 for 3×3, s = 2);
 * - stride > 1, deel-lip 1.2.0: the border-aware formula (0.682927 for 3×3, s = 2, 28×28);
 * - `mode: 'strict'`: √(1 / (⌈kh/sh⌉·⌈kw/sw⌉)) at every stride (deel-torchlip).
 * deel-lip `layers.convolutional._compute_conv_lip_factor` (1.5) and
 * `SpectralConv2D._compute_lip_coef` (1.2.0).
 *
 * @example
 * convLipschitzCoefficient({kernelSize: [3, 3], inputSize: [28, 28]}); // 0.3414634…
 */
export function convLipschitzCoefficient(args: ConvLipschitzCoefficientArgs): number {
  const o = CONV_COEF_OPTIONS.parse(args);
  const [kh, kw] = o.kernelSize as [number, number];
  const [sh, sw] = (o.strides ?? [1, 1]) as [number, number];
  const mode = o.mode;
  const version = o.deelLipVersion;
  const strict = Math.sqrt(1 / (Math.ceil(kh / sh) * Math.ceil(kw / sw)));
  if (mode === 'strict') return strict;
  if (sh * sw !== 1 && version === '1.5') return strict;
  if (!o.inputSize) {
    throw new LipnetOptionError({
      code: 'MISSING_OPTION',
      who: 'convLipschitzCoefficient',
      option: 'inputSize',
      message:
        "`inputSize` is required by the deel-lip formula at this stride. Pass the input [height, width], or mode: 'strict'.",
    });
  }
  const [h, w] = o.inputSize as [number, number];
  const kh2 = (kh - 1) / 2;
  const kw2 = (kw - 1) / 2;
  if (sh * sw === 1) {
    return Math.sqrt((w * h) / ((kh * h - kh2 * (kh2 + 1)) * (kw * w - kw2 * (kw2 + 1))));
  }
  // deel-lip 1.2.0 border-aware stride formula (layers.py, SpectralConv2D._compute_lip_coef).
  const side = (k: number, k2: number, s: number, n: number) => {
    const no = Math.floor(n / s);
    const alphabar = Math.floor(k2 / s);
    const betabar = k2 - alphabar * s;
    const zl = ((alphabar * s + 2 * betabar) * (alphabar + 1)) / 2;
    const gamma = n - 1 - s * Math.ceil((n - 1 - k2) / s);
    const alphah = Math.floor(gamma / s);
    const zr = (alphah + 1) * (k2 - gamma + (s * alphah) / 2);
    return k * no - zl - zr;
  };
  return Math.sqrt((h * w) / (side(kh, kh2, sh, h) * side(kw, kw2, sw, w)));
}
