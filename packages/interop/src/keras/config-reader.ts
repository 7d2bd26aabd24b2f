import { ModelImportError, type ModelImportErrorCode } from '../errors';

/** Compact JSON of a config value for error messages. */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? s.slice(0, 117) + '...' : s;
}

/**
 * Strict reader of one Keras layer config (snake_case keys, as saved): every key must be read, checked or
 * explicitly ignored, and {@link finish} throws on any key left over, so an option lipnet does not
 * reproduce is never dropped silently. Errors name the function, the layer and the option.
 */
export class ConfigReader {
  private readonly seen = new Set<string>();

  /** `where` names the layer in messages, e.g. `"layer 'conv1' (deel-lip SpectralConv2D)"`. */
  constructor(
    readonly fn: string,
    readonly where: string,
    readonly config: Record<string, unknown>,
  ) {}

  /**
   * A {@link ModelImportError} about option `key`: `CORRUPT_DATA` (a value no Keras file holds) unless `code`
   * says it is a valid option lipnet does not reproduce (`UNSUPPORTED_CONFIGURATION`).
   */
  error(key: string, what: string, code: ModelImportErrorCode = 'CORRUPT_DATA'): ModelImportError {
    return new ModelImportError(`${this.fn}: ${this.where}: option ${key}=${show(this.config[key])} ${what}`, { code });
  }

  /** The raw value (marked as read); `undefined` when absent. */
  raw(key: string): unknown {
    this.seen.add(key);
    return this.config[key];
  }

  /** Throws when a required option (no default) is absent or null. */
  private present<T>(key: string, v: unknown, dflt: T | undefined): T | undefined {
    if (v !== undefined && v !== null) return undefined;
    if (dflt === undefined) throw this.error(key, 'is missing. The file is corrupt.');
    return dflt;
  }

  /** A finite number (≥ `min`, an integer when `integer`), or `dflt` when absent or null (required without `dflt`). */
  number(key: string, dflt?: number, opts: { integer?: boolean; min?: number } = {}): number {
    const v = this.raw(key);
    const d = this.present(key, v, dflt);
    if (d !== undefined) return d;
    const ok = typeof v === 'number' && Number.isFinite(v) && (!opts.integer || Number.isInteger(v));
    if (!ok || v < (opts.min ?? -Infinity)) {
      throw this.error(
        key,
        `is not ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}. The file is corrupt.`,
      );
    }
    return v;
  }

  /** A boolean, or `dflt` when absent. */
  bool(key: string, dflt: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw this.error(key, 'is not a boolean. The file is corrupt.');
    return v;
  }

  /** A string, or `dflt` when absent. */
  string(key: string, dflt: string): string {
    const v = this.raw(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'string') throw this.error(key, 'is not a string. The file is corrupt.');
    return v;
  }

  /** `n` or `[a, b]` of positive integers as a pair, or `dflt` when absent or null (required without `dflt`). */
  pair(key: string, dflt?: [number, number]): [number, number] {
    const v = this.raw(key);
    const d = this.present(key, v, dflt);
    if (d !== undefined) return d;
    const p: unknown = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 1)) {
      throw this.error(key, 'is not a positive integer or a pair of them. The file is corrupt.');
    }
    return [p[0] as number, p[1] as number];
  }

  /**
   * Checks that option `key` is absent, or equal (as JSON) to one of `allowed`; otherwise a
   * {@link ModelImportError} saying it is not supported, with `why` (what lipnet does and what to do).
   */
  only(key: string, allowed: unknown[], why: string): void {
    const v = this.raw(key);
    if (v === undefined) return;
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v)))
      throw this.error(key, `is not supported: ${why}`, 'UNSUPPORTED_CONFIGURATION');
  }

  /** Marks keys as read without using them (each call site says why they do not matter once weights are loaded). */
  ignore(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  /** Throws when a key was neither read nor ignored: an option this loader does not know. */
  finish(): void {
    const left = Object.keys(this.config).filter((k) => !this.seen.has(k));
    if (left.length) {
      throw new ModelImportError(
        `${this.fn}: ${this.where}: option${left.length > 1 ? 's' : ''} ${left.map((k) => `${k}=${show(this.config[k])}`).join(', ')} ` +
          'not known to this loader, so the layer cannot be reproduced faithfully. Remove the option, or report it to lipnet.',
        { code: 'UNSUPPORTED_CONFIGURATION' },
      );
    }
  }
}
