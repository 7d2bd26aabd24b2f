import { LipnetConfigError, assertInteger, assertPositive, fmt } from './errors';

/**
 * Which deel-lip release's normaliser semantics to reproduce.
 * - `'1.5'` (default; deel-lip ≥ 1.3): power iteration and Björck stop when the
 *   iterate moves by less than `eps` (at most `maxIter` iterations), no gradient
 *   through the power-iteration vector `u`, `W̄ = W/(σ+eps)`, Björck β = 0.5.
 * - `'1.2'` (deel-lip 1.2.0, the version the Demo 4 notebook ran): fixed
 *   `niterSpectral = 3` power iterations and `niterBjorck = 15` Björck iterations
 *   at β = 0.25, gradients through the unrolled power iteration, `W̄ = W/σ`, and
 *   the border-aware stride coefficient for strided convolutions.
 */
export type DeelLipVersion = '1.5' | '1.2';

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
  const version = o.deelLipVersion ?? '1.5';
  if (version !== '1.5' && version !== '1.2') {
    throw new LipnetConfigError(
      `${owner}: expected \`deelLipVersion\` to be '1.5' or '1.2', got ${fmt(version)}. Pass '1.5' (default) or '1.2' for the deel-lip 1.2.0 behaviour.`,
    );
  }
  const only = (keys: (keyof NormalizerOptions)[], mode: DeelLipVersion, alt: string) => {
    for (const k of keys) {
      if (o[k] !== undefined && o[k] !== null) {
        throw new LipnetConfigError(
          `${owner}: \`${k}\` (${fmt(o[k])}) only applies with deelLipVersion '${mode}', but deelLipVersion is '${version}'. ${alt}`,
        );
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
  const r: ResolvedNormalizerOptions = {
    deelLipVersion: version,
    epsSpectral: o.epsSpectral ?? DEFAULT_EPS_SPECTRAL,
    epsBjorck: o.epsBjorck ?? DEFAULT_EPS_BJORCK,
    maxIterSpectral: o.maxIterSpectral ?? DEFAULT_MAXITER_SPECTRAL,
    maxIterBjorck: o.maxIterBjorck ?? DEFAULT_MAXITER_BJORCK,
    niterSpectral: o.niterSpectral ?? LEGACY_NITER_SPECTRAL,
    niterBjorck: o.niterBjorck ?? LEGACY_NITER_BJORCK,
    betaBjorck: o.betaBjorck ?? (version === '1.2' ? LEGACY_BETA_BJORCK : DEFAULT_BETA_BJORCK),
  };
  assertPositive(owner, 'epsSpectral', r.epsSpectral, 'Pass a small tolerance such as 1e-3.');
  assertPositive(owner, 'epsBjorck', r.epsBjorck, 'Pass a small tolerance such as 1e-3.');
  assertInteger(owner, 'maxIterSpectral', r.maxIterSpectral, 1, 'Pass an integer such as 10.');
  assertInteger(owner, 'maxIterBjorck', r.maxIterBjorck, 0, 'Pass an integer such as 15 (0 disables Björck).');
  assertInteger(owner, 'niterSpectral', r.niterSpectral, 1, 'Pass an integer such as 3.');
  assertInteger(owner, 'niterBjorck', r.niterBjorck, 0, 'Pass an integer such as 15 (0 disables Björck).');
  if (typeof r.betaBjorck !== 'number' || !(r.betaBjorck > 0 && r.betaBjorck <= 0.5)) {
    throw new LipnetConfigError(
      `${owner}: expected \`betaBjorck\` in (0, 0.5], got ${fmt(r.betaBjorck)}. Pass 0.5 (deel-lip 1.5) or 0.25 (deel-lip 1.2.0).`,
    );
  }
  return r;
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
