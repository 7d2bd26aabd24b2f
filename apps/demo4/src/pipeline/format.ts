/** Number formatting shared by the stages' log lines. */

/** `[0.1234, 1.5000, Infinity]`: each number with `digits` decimals, non-finite ones as words. */
export function formatNumbers(a: number[], digits = 4): string {
  return `[${a.map((v) => (Number.isFinite(v) ? v.toFixed(digits) : String(v))).join(', ')}]`;
}
