import { formatValue } from '@lipnet/core';

/**
 * Error thrown by @lipnet for an invalid argument or configuration. The message
 * names the class or function, the argument, the value received and the fix,
 * e.g. "bjorckNormalization: expected `beta` in (0, 0.5], got 0.7. Pass a value such as 0.5.".
 */
export class LipnetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LipnetConfigError';
  }
}

/** Formats a value for an error message (arrays and objects as JSON). */
export function fmt(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  return formatValue(v);
}

/** Throws unless `v` is a finite number > 0. */
export function assertPositive(owner: string, arg: string, v: unknown, fix: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new LipnetConfigError(`${owner}: expected \`${arg}\` to be a positive number, got ${fmt(v)}. ${fix}`);
  }
}

/** Throws unless `v` is an integer ≥ `min`. */
export function assertInteger(owner: string, arg: string, v: unknown, min: number, fix: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new LipnetConfigError(`${owner}: expected \`${arg}\` to be an integer ≥ ${min}, got ${fmt(v)}. ${fix}`);
  }
}
