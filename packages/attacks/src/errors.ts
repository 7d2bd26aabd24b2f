/**
 * Error thrown by every @lipnet/attacks entry point for bad arguments or bad model output.
 * Messages read "<Attack>: expected `<argument>` to …, got <value>. <fix>".
 */
export class AttackError extends Error {
  override name = 'AttackError';
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, AttackError.prototype);
  }
}

/** Formats a value for an error message (short, never the whole tensor). */
export function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v))
    return v.length > 8
      ? `[${v.slice(0, 8).map(show).join(', ')}, … (${v.length} items)]`
      : `[${v.map(show).join(', ')}]`;
  return String(v);
}

/** Throws an {@link AttackError} with the project's message shape. */
export function fail(who: string, arg: string, expected: string, got: unknown, fix: string): never {
  throw new AttackError(`${who}: expected \`${arg}\` to ${expected}, got ${show(got)}. ${fix}`);
}

/** Validates an integer ≥ `min` (default 1). */
export function checkInt(who: string, arg: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail(who, arg, `be an integer ≥ ${min}`, v, `Pass an integer ≥ ${min}.`);
  }
  return v;
}

/** Validates a finite number > 0 (or ≥ 0 when `allowZero`). */
export function checkPositive(who: string, arg: string, v: unknown, allowZero = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (allowZero ? v >= 0 : v > 0);
  if (!ok) {
    fail(
      who,
      arg,
      allowZero ? 'be a finite number ≥ 0' : 'be a finite number > 0',
      v,
      allowZero ? 'Pass a number ≥ 0.' : 'Pass a positive number.',
    );
  }
  return v;
}

/** Validates a finite number in the open/closed interval given. */
export function checkRange(
  who: string,
  arg: string,
  v: unknown,
  lo: number,
  hi: number,
  loOpen = true,
  hiOpen = true,
): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    const iv = `${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
    fail(who, arg, `be a number in ${iv}`, v, `Pass a number in ${iv}.`);
  }
  return v;
}
