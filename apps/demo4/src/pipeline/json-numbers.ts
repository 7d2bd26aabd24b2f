/**
 * JSON for numbers that JSON cannot hold: `Infinity`, `-Infinity` and `NaN`
 * are written as the strings "Infinity", "-Infinity" and "NaN" (JSON.stringify
 * would write `null`) and read back as numbers. Used for run.json and
 * results.json (an attack that finds no adversarial reports a distance of
 * Infinity).
 */

/** `JSON.stringify` replacer: non-finite numbers as strings. */
export function nonFiniteToString(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** `JSON.parse` reviver: the strings "Infinity", "-Infinity", "NaN" as numbers. */
export function nonFiniteFromString(_key: string, value: unknown): unknown {
  return value === 'Infinity' || value === '-Infinity' || value === 'NaN' ? Number(value) : value;
}

/** `JSON.stringify` with non-finite numbers kept (as strings), indented by 2. */
export function stringifyWithNonFinite(value: unknown): string {
  return JSON.stringify(value, nonFiniteToString, 2);
}
