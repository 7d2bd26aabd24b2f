import {
  LipnetOptionError,
  deelLipVersionOption,
  defineOptions,
  formatValue,
  opt,
  type DeelLipVersion,
} from '@lipnet/core';

export type { DeelLipVersion } from '@lipnet/core';

/** deel-lip 1.5 `DEFAULT_EPS_SPECTRAL`. */
export const DEFAULT_EPS_SPECTRAL = 1e-3;
/** deel-lip 1.5 `DEFAULT_EPS_BJORCK`. */
export const DEFAULT_EPS_BJORCK = 1e-3;
/** deel-lip 1.5 `DEFAULT_BETA_BJORCK`. */
export const DEFAULT_BETA_BJORCK = 0.5;
/** deel-lip 1.5 `DEFAULT_MAXITER_SPECTRAL`. */
export const DEFAULT_MAXITER_SPECTRAL = 10;
/** deel-lip 1.5 `DEFAULT_MAXITER_BJORCK`. */
export const DEFAULT_MAXITER_BJORCK = 15;
/** deel-lip 1.2.0 `DEFAULT_NITER_SPECTRAL`. */
export const LEGACY_NITER_SPECTRAL = 3;
/** deel-lip 1.2.0 `DEFAULT_NITER_BJORCK`. */
export const LEGACY_NITER_BJORCK = 15;
/** deel-lip 1.2.0 `DEFAULT_BETA_BJORCK`. */
export const LEGACY_BETA_BJORCK = 0.25;

const tolerance = opt.number({ gt: 0 }).describedAs('a positive number', 'Pass a small tolerance such as 1e-3.');

/**
 * The rules of {@link NormalizerOptions}, declared once; layers and constraints put
 * them in their own schemas (`...NORMALIZER_OPTIONS.schema`). Version-dependent
 * defaults are applied by {@link resolveNormalizerOptions}.
 */
export const NORMALIZER_OPTIONS = defineOptions('normalizer', {
  deelLipVersion: deelLipVersionOption,
  epsSpectral: tolerance.orNull(),
  epsBjorck: tolerance.orNull(),
  maxIterSpectral: opt.integer({ min: 1 }).orNull(),
  maxIterBjorck: opt
    .integer({ min: 0 })
    .describedAs('an integer ≥ 0', 'Pass an integer such as 15 (0 disables Björck).')
    .orNull(),
  niterSpectral: opt.integer({ min: 1 }).orNull(),
  niterBjorck: opt
    .integer({ min: 0 })
    .describedAs('an integer ≥ 0', 'Pass an integer such as 15 (0 disables Björck).')
    .orNull(),
  betaBjorck: opt
    .number({ gt: 0, max: 0.5 })
    .describedAs('a number in (0, 0.5]', 'Pass 0.5 (deel-lip 1.5) or 0.25 (deel-lip 1.2.0).'),
});

/**
 * Options shared by the layers, {@link SpectralConstraint} and
 * {@link reshapedKernelOrthogonalization}; camelCase forms of deel-lip's arguments.
 */
export interface NormalizerOptions {
  /** `'1.5'` (default) or `'1.2'`; see {@link DeelLipVersion}. */
  deelLipVersion?: DeelLipVersion;
  /** 1.5 only: power-iteration stopping tolerance on ‖u_t − u_{t−1}‖, also added to σ. Default 1e-3. */
  epsSpectral?: number;
  /** 1.5 only: Björck stopping tolerance on ‖W_t − W_{t−1}‖_F. Default 1e-3. */
  epsBjorck?: number;
  /** 1.5 only: maximum number of power iterations. Default 10. */
  maxIterSpectral?: number;
  /** 1.5 only: maximum number of Björck iterations; 0 skips Björck (spectral normalisation only). Default 15. */
  maxIterBjorck?: number;
  /** 1.2 only: fixed number of power iterations. Default 3. */
  niterSpectral?: number;
  /** 1.2 only: fixed number of Björck iterations; 0 skips Björck. Default 15. */
  niterBjorck?: number;
  /** Björck step β in (0, 0.5]. Default 0.5 (1.5) or 0.25 (1.2). */
  betaBjorck?: number;
}

/** {@link NormalizerOptions} with every field resolved. */
export interface ResolvedNormalizerOptions {
  deelLipVersion: DeelLipVersion;
  epsSpectral: number;
  epsBjorck: number;
  maxIterSpectral: number;
  maxIterBjorck: number;
  niterSpectral: number;
  niterBjorck: number;
  betaBjorck: number;
}

/**
 * Resolves defaults (deel-lip 1.5, or 1.2.0 when `deelLipVersion: '1.2'`) and
 * validates every field; `owner` prefixes error messages. Setting a 1.5-only
 * option (`epsSpectral`, `epsBjorck`, `maxIterSpectral`, `maxIterBjorck`) in 1.2
 * mode, or a 1.2-only one (`niterSpectral`, `niterBjorck`) in 1.5 mode, throws,
 * because it would be silently ignored otherwise.
 */
export function resolveNormalizerOptions(owner: string, o: NormalizerOptions = {}): ResolvedNormalizerOptions {
  const p = NORMALIZER_OPTIONS.parsePart(o, owner);
  const version = p.deelLipVersion;
  const only = (keys: (keyof NormalizerOptions)[], mode: DeelLipVersion, alt: string) => {
    for (const k of keys) {
      if (p[k] !== undefined && p[k] !== null) {
        throw new LipnetOptionError({
          code: 'CONFLICTING_OPTIONS',
          who: owner,
          option: k,
          message: `\`${k}\` (${formatValue(p[k])}) only applies with deelLipVersion '${mode}', but deelLipVersion is '${version}'. ${alt}`,
        });
      }
    }
  };
  if (version === '1.5') {
    only(
      ['niterSpectral', 'niterBjorck'],
      '1.2',
      "Use `maxIterSpectral`/`maxIterBjorck` (with `epsSpectral`/`epsBjorck`), or set deelLipVersion: '1.2'.",
    );
  } else {
    only(
      ['epsSpectral', 'epsBjorck', 'maxIterSpectral', 'maxIterBjorck'],
      '1.5',
      "Use `niterSpectral`/`niterBjorck`, or set deelLipVersion: '1.5'.",
    );
  }
  return {
    deelLipVersion: version,
    epsSpectral: p.epsSpectral ?? DEFAULT_EPS_SPECTRAL,
    epsBjorck: p.epsBjorck ?? DEFAULT_EPS_BJORCK,
    maxIterSpectral: p.maxIterSpectral ?? DEFAULT_MAXITER_SPECTRAL,
    maxIterBjorck: p.maxIterBjorck ?? DEFAULT_MAXITER_BJORCK,
    niterSpectral: p.niterSpectral ?? LEGACY_NITER_SPECTRAL,
    niterBjorck: p.niterBjorck ?? LEGACY_NITER_BJORCK,
    betaBjorck: p.betaBjorck ?? (version === '1.2' ? LEGACY_BETA_BJORCK : DEFAULT_BETA_BJORCK),
  };
}

/**
 * The config entries of resolved options that apply to their version (what a
 * layer's `getConfig()` stores): 1.5 → eps/maxIter/β, 1.2 → niter/β.
 */
export function normalizerConfig(o: ResolvedNormalizerOptions): Record<string, string | number> {
  return o.deelLipVersion === '1.2'
    ? { deelLipVersion: '1.2', niterSpectral: o.niterSpectral, niterBjorck: o.niterBjorck, betaBjorck: o.betaBjorck }
    : {
        deelLipVersion: '1.5',
        epsSpectral: o.epsSpectral,
        epsBjorck: o.epsBjorck,
        maxIterSpectral: o.maxIterSpectral,
        maxIterBjorck: o.maxIterBjorck,
        betaBjorck: o.betaBjorck,
      };
}
