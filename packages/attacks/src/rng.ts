/**
 * A small seedable pseudo-random generator (mulberry32) used by every random attack, so that a
 * `seed` makes an attack reproducible on a given backend. Normal samples use Box–Muller.
 *
 * @example
 * const r = new Rng(42);
 * r.uniform(); // 0.6011…, the same on every run
 */
export class Rng {
  private state: number;
  private spare: number | null = null;

  /** @param seed any finite number; `undefined` seeds from `Math.random()`. */
  constructor(seed?: number) {
    const s = seed === undefined ? Math.floor(Math.random() * 0x100000000) : Math.floor(seed);
    this.state = (s ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A 31-bit integer, used as the `seed` of tfjs random ops (`tf.randomNormal(…, seed)`). */
  int(): number {
    return Math.floor(this.uniform() * 0x7fffffff);
  }
}
