/**
 * Code generation shared by lipnet's direct WebAssembly SIMD convolution
 * kernels: register tiles of f32x4 accumulators, zeroed, updated by
 * acc += splat(a) · b, and added to or stored into memory, with every address
 * offset a static immediate (the modules are generated per geometry, so tap
 * and channel offsets are constants the engine folds into its addressing).
 */
import { I32, V128, funcBody, moduleBytes, op } from './wasm-encoding';

/** Accumulators per register tile: 8 f32x4 plus the operands stay within the 15–16 vector registers of x64 and arm64. */
export const MAX_TILE_ACCUMULATORS = 8;

/** Local-variable layout of a generated kernel: `ints` i32 locals after the params, then the vector locals. */
export class Locals {
  private nextInt: number;
  private nextVec = 0;
  private readonly vecBase: number;

  constructor(
    readonly params: number,
    readonly ints: number,
    readonly vecs: number,
  ) {
    this.nextInt = params;
    this.vecBase = params + ints;
  }

  /** The next i32 local's index. */
  int(): number {
    if (this.nextInt >= this.params + this.ints) throw new Error('conv-tiles: out of i32 locals');
    return this.nextInt++;
  }

  /** One new i32 local per name, by name. */
  named<const T extends readonly string[]>(names: T): { [K in T[number]]: number } {
    return Object.fromEntries(names.map((n) => [n, this.int()])) as { [K in T[number]]: number };
  }

  /** `count` consecutive v128 locals' indices. */
  vec(count: number): number[] {
    if (this.nextVec + count > this.vecs) throw new Error('conv-tiles: out of v128 locals');
    const out = Array.from({ length: count }, (_, i) => this.vecBase + this.nextVec + i);
    this.nextVec += count;
    return out;
  }

  /** The function body with these locals declared. */
  body(code: number[]): number[] {
    return funcBody(
      [
        [this.ints, I32],
        [this.vecs, V128],
      ],
      code,
    );
  }
}

/** `local = local + by` (i32 constant). */
export const bumpBy = (local: number, by: number): number[] => [
  ...op.get(local),
  ...op.i32Const(by),
  ...op.i32Add,
  ...op.set(local),
];

/** `dst = src + by` (i32 constant). */
export const offsetOf = (dst: number, src: number, by: number): number[] => [
  ...op.get(src),
  ...op.i32Const(by),
  ...op.i32Add,
  ...op.set(dst),
];

/** `while (!(exit)) { body }`: `exit` pushes an i32, nonzero to leave the loop. */
function loopUntil(exit: number[], body: number[]): number[] {
  return [...op.block, ...op.loop, ...exit, ...op.brIf(1), ...body, ...op.br(0), ...op.end, ...op.end];
}

/** `while (ptr < end) { body }`, with ptr and end i32 locals (the body advances ptr). */
export const whileBelow = (ptr: number, end: number, body: number[]): number[] =>
  loopUntil([...op.get(ptr), ...op.get(end), ...op.i32GeU], body);

/** `while (local < constant) { body }` (the body advances local). */
export const whileBelowConst = (local: number, limit: number, body: number[]): number[] =>
  loopUntil([...op.get(local), ...op.i32Const(limit), ...op.i32GeU], body);

/** `for (counter = 0; counter < count; counter++) { body }` with a constant count. */
export const repeat = (counter: number, count: number, body: number[]): number[] => [
  ...op.i32Const(0),
  ...op.set(counter),
  ...whileBelowConst(counter, count, [...body, ...bumpBy(counter, 1)]),
];

/**
 * `for (img = 0; img < n; img++) { body }` over whole images, with pointer
 * locals set from their base parameters before the loop and advanced by their
 * bytes per image after each: `pointers` lists [local, base param, bytes].
 */
export function perImage(img: number, n: number, pointers: Array<[number, number, number]>, body: number[]): number[] {
  return [
    ...pointers.flatMap(([local, base]) => [...op.get(base), ...op.set(local)]),
    ...op.i32Const(0),
    ...op.set(img),
    ...whileBelow(img, n, [
      ...body,
      ...pointers.flatMap(([local, , bytes]) => bumpBy(local, bytes)),
      ...bumpBy(img, 1),
    ]),
  ];
}

/** Every accumulator set to 0. */
export const zero = (accs: number[]): number[] => accs.flatMap((a) => [...op.v128Zero, ...op.set(a)]);

/**
 * `acc += s · d` (f32x4): relaxed SIMD's f32x4.relaxed_madd when `relaxed`
 * (fused where the CPU has FMA), else the fixed-width proposal's multiply and add.
 */
export const madd = (acc: number, s: number, d: number, relaxed: boolean): number[] =>
  relaxed
    ? [...op.get(s), ...op.get(d), ...op.get(acc), ...op.f32x4RelaxedMadd, ...op.set(acc)]
    : [...op.get(acc), ...op.get(s), ...op.get(d), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc)];

/** memory[base + offset] += acc (f32x4). */
export const addInto = (base: number, offset: number, acc: number): number[] => [
  ...op.get(base),
  ...op.get(base),
  ...op.v128LoadAt(offset),
  ...op.get(acc),
  ...op.f32x4Add,
  ...op.v128StoreAt(offset),
];

/** memory[base + offset] = acc (f32x4). */
export const storeTo = (base: number, offset: number, acc: number): number[] => [
  ...op.get(base),
  ...op.get(acc),
  ...op.v128StoreAt(offset),
];

/** A module exporting one function `name` of `params` i32 parameters. */
export const oneFunctionModule = (name: string, params: number, body: number[]): Uint8Array<ArrayBuffer> =>
  moduleBytes([[name, new Array<number>(params).fill(I32), body]]);

/** Splits `count` items into consecutive runs of at most `size` (the last one shorter). */
export function runsOf(count: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < count; start += size) out.push([start, Math.min(size, count - start)]);
  return out;
}
