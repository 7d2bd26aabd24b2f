/** Damage to a file's bytes: cut at a fraction of its length, or a few bytes overwritten at fractions of it. */
export type FileDamage = { cutAt: number } | { writes: [number, number][] };

/** A damaged copy of `bytes` (fractions in [0, 1) scaled to the length; `bytes` is not changed). */
export function damagedBytes(bytes: Uint8Array, d: FileDamage): Uint8Array {
  if ('cutAt' in d) return bytes.slice(0, Math.floor(d.cutAt * bytes.length));
  const out = bytes.slice();
  for (const [at, v] of d.writes) out[Math.floor(at * out.length)] = v;
  return out;
}
