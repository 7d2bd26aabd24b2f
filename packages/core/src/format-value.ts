/**
 * lipnet's one formatter of values for error messages: short, never the whole
 * tensor or array, and never throws.
 */

const MAX_ITEMS = 8;
const MAX_STRING = 60;
const MAX_KEYS = 6;

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  // float32 noise: 0.8999999761581421 → 0.9
  return String(Number(v.toPrecision(7)));
}

function formatString(v: string): string {
  const s = v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
  return `'${s.replace(/'/g, "\\'")}'`;
}

function isTensorLike(v: object): v is { dtype: string; shape: number[] } {
  const t = v as { dtype?: unknown; shape?: unknown; dataId?: unknown };
  return typeof t.dtype === 'string' && Array.isArray(t.shape) && t.dataId !== undefined;
}

function formatList(items: ArrayLike<unknown>, depth: number, prefix = ''): string {
  const n = items.length;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, MAX_ITEMS); i++) shown.push(format(items[i], depth + 1));
  return n > MAX_ITEMS ? `${prefix}[${shown.join(', ')}, … (${n} items)]` : `${prefix}[${shown.join(', ')}]`;
}

function formatObject(v: object, depth: number): string {
  if (isTensorLike(v))
    return `${/^[aeiou]/.test(v.dtype) ? 'an' : 'a'} ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (Array.isArray(v)) return formatList(v, depth);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return formatList(v as unknown as ArrayLike<unknown>, depth, v.constructor.name);
  }
  if (v instanceof Date || v instanceof RegExp || v instanceof Error) return String(v);
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== null && proto !== Object.prototype) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    return name ? `a ${name}` : 'an object';
  }
  if (depth >= 2) return '{…}';
  const keys = Object.keys(v);
  const parts = keys.slice(0, MAX_KEYS).map((k) => `${k}: ${format((v as Record<string, unknown>)[k], depth + 1)}`);
  if (keys.length > MAX_KEYS) parts.push(`… (${keys.length} keys)`);
  return parts.length ? `{ ${parts.join(', ')} }` : '{}';
}

function format(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'number':
      return formatNumber(v);
    case 'string':
      return formatString(v);
    case 'bigint':
      return `${v}n`;
    case 'function':
      return v.name ? `a function (${v.name})` : 'a function';
    case 'object':
      return v === null ? 'null' : formatObject(v, depth);
    default:
      return String(v);
  }
}

/**
 * Formats any value for an error message: numbers to float32 precision (NaN,
 * Infinity kept), strings quoted, arrays and objects cut after a few items,
 * tensors as dtype and shape (their data is never read).
 *
 * @example
 * formatValue(0.8999999761581421);     // '0.9'
 * formatValue('yes');                  // "'yes'"
 * formatValue([1, 2, 3, 4, 5, 6, 7, 8, 9]); // '[1, 2, 3, 4, 5, 6, 7, 8, … (9 items)]'
 * formatValue(tf.zeros([2, 3]));       // 'a float32 tensor of shape [2, 3]'
 */
export function formatValue(v: unknown): string {
  try {
    return format(v, 0);
  } catch {
    return 'an unprintable value';
  }
}

/**
 * Formats a shape as `[2, 3]` (`null` axes as `?`).
 *
 * @example
 * formatShape([null, 28, 28, 1]); // '[?, 28, 28, 1]'
 */
export function formatShape(shape: readonly (number | null | undefined)[]): string {
  return `[${shape.map((d) => (d === null || d === undefined ? '?' : String(d))).join(', ')}]`;
}
