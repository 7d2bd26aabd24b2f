import { LipnetOptionError, formatValue, type OptionErrorCode } from '@lipnet/core';
import {
  resolveOperatorNormalizationOptions,
  type ConvLipCoefMode,
  type OperatorNormalizationOptions,
} from '@lipnet/constraints';

/**
 * How a Lipschitz convolution scales its normalised kernel so that the convolution itself
 * (not only its reshaped kernel) is k-Lipschitz:
 * - `'strict'` (default): × 1/√(⌈kh/sh⌉·⌈kw/sw⌉) (deel-torchlip's factor, which it uses for
 *   zero padding too). Every input pixel feeds at most ⌈kh/sh⌉·⌈kw/sw⌉ output windows, so
 *   ‖conv‖₂ ≤ factor·√(that)·‖W_reshaped‖₂ ≤ k: proven, stateless, no extra cost; loose when
 *   kh·kw·C_in > filters (the bound is then not reached).
 * - `'exact'`: × k/‖A‖ where ‖A‖ is the operator norm of the actual padded, strided convolution
 *   on the layer's input size, estimated by (Lanczos-accelerated) power iteration on the operator (conv2d and its
 *   transpose) with a persistent vector saved with the weights, divided with a safety margin
 *   (`convNormMargin`), and certified at export (`vanillaExport`): ‖conv‖₂ ≤ k, close to k.
 * - `'deel-lip'`: deel-lip's `_compute_conv_lip_factor` (1.5) or 1.2.0's formula, for parity.
 *   **Not a bound** at stride 1: 28/82 instead of 1/3 for 3×3 at 28×28 lets the conv reach
 *   1.0244·k (and 1.2.0's stride formula 1.40·k).
 */
export type ConvNormalization = 'deel-lip' | 'strict' | 'exact';

/** The default {@link ConvNormalization}: `'strict'`, the cheapest proven one. */
export const DEFAULT_CONV_NORMALIZATION: ConvNormalization = 'strict';

/** Conv-normalisation arguments shared by every Lipschitz convolution layer. */
export interface ConvNormalizationArgs {
  /** `'strict'` (default), `'exact'` or `'deel-lip'`; see {@link ConvNormalization}. */
  convNormalization?: ConvNormalization;
  /** Former name of `convNormalization` ('deel-lip' | 'strict'), still read (saved models). */
  convLipCoef?: ConvLipCoefMode;
  /** `'exact'` only: stop the Lanczos iteration when its residual is ≤ eps·σ̂². Default 1e-5. */
  epsConvNorm?: number;
  /** `'exact'` only: at most this many Lanczos steps per call (1 once converged). Default 100. */
  maxIterConvNorm?: number;
  /** `'exact'` only: W̄ = k·W/(σ̂·(1 + margin)) while training. Default 1e-3. */
  convNormMargin?: number;
}

/** {@link ConvNormalizationArgs} resolved: the mode, and the Lanczos options for `'exact'`. */
export interface ResolvedConvNormalization {
  mode: ConvNormalization;
  exact: Required<OperatorNormalizationOptions> | null;
}

const MODES: readonly ConvNormalization[] = ['deel-lip', 'strict', 'exact'];
const EXACT_KEYS = ['epsConvNorm', 'maxIterConvNorm', 'convNormMargin'] as const;

/**
 * Resolves and validates the conv-normalisation arguments; `owner` prefixes error messages.
 * Reads the former `convLipCoef` when `convNormalization` is absent (both given must agree),
 * and refuses the `'exact'`-only options with another mode (they would be ignored).
 */
export function resolveConvNormalization(owner: string, a: ConvNormalizationArgs): ResolvedConvNormalization {
  const refuse = (option: string, message: string, code: OptionErrorCode = 'INVALID_OPTION') =>
    new LipnetOptionError({ code, who: owner, option, message });
  const fmt = (v: unknown) => formatValue(v);
  if (a.convLipCoef !== undefined && a.convLipCoef !== 'deel-lip' && a.convLipCoef !== 'strict') {
    throw refuse(
      'convLipCoef',
      `expected \`convLipCoef\` 'deel-lip' or 'strict', got ${fmt(a.convLipCoef)}. Pass \`convNormalization\` instead: ${MODES.map(fmt).join(', ')}.`,
    );
  }
  if (a.convNormalization !== undefined && a.convLipCoef !== undefined && a.convNormalization !== a.convLipCoef) {
    throw refuse(
      'convNormalization',
      `\`convNormalization\` ${fmt(a.convNormalization)} and its former name \`convLipCoef\` ${fmt(a.convLipCoef)} disagree. Pass only \`convNormalization\`.`,
      'CONFLICTING_OPTIONS',
    );
  }
  const mode = a.convNormalization ?? a.convLipCoef ?? DEFAULT_CONV_NORMALIZATION;
  if (!MODES.includes(mode)) {
    throw refuse(
      'convNormalization',
      `expected \`convNormalization\` to be one of ${MODES.map(fmt).join(', ')}, got ${fmt(mode)}. Pass 'strict' (proven, default), 'exact' (proven and tight) or 'deel-lip' (parity).`,
    );
  }
  if (mode !== 'exact') {
    for (const k of EXACT_KEYS) {
      if (a[k] !== undefined && a[k] !== null) {
        throw refuse(
          k,
          `\`${k}\` (${fmt(a[k])}) only applies with convNormalization 'exact', but it is ${fmt(mode)}. Drop it, or pass convNormalization: 'exact'.`,
          'CONFLICTING_OPTIONS',
        );
      }
    }
    return { mode, exact: null };
  }
  const exact = resolveOperatorNormalizationOptions(
    owner,
    { eps: a.epsConvNorm ?? undefined, maxIter: a.maxIterConvNorm ?? undefined, margin: a.convNormMargin ?? undefined },
    { eps: 'epsConvNorm', maxIter: 'maxIterConvNorm', margin: 'convNormMargin' },
  );
  return { mode, exact };
}

/** The config entries of a resolved conv normalisation (what `getConfig()` stores). */
export function convNormalizationConfig(r: ResolvedConvNormalization): Record<string, string | number> {
  if (!r.exact) return { convNormalization: r.mode };
  return {
    convNormalization: r.mode,
    epsConvNorm: r.exact.eps,
    maxIterConvNorm: r.exact.maxIter,
    convNormMargin: r.exact.margin,
  };
}
