/**
 * A minimal WebAssembly binary encoder (LEB128, sections, the instructions
 * lipnet's SIMD kernels use) and the instantiation of such a module on the
 * tfjs wasm backend's own memory. There is no C-to-wasm compiler in this
 * project's toolchain, so lipnet's few small SIMD kernels are written as
 * instruction lists (WebAssembly core spec, binary format §5; SIMD opcodes
 * from the fixed-width SIMD proposal, prefix 0xFD) and validated at load.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmKernelsError } from '../errors';

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A name (length-prefixed ASCII). */
export const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
/** A vector: count, then the items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const simd = (code: number, ...rest: number[]): number[] => [0xfd, ...uleb(code), ...rest];

/** Instructions (only those lipnet's kernels use). Memory accesses take a byte offset immediate. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  select: [0x1b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  f32Load: (offset: number) => [0x2a, 0x02, ...uleb(offset)],
  i32Load: (offset: number) => [0x28, 0x02, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 0x02, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  i32Eq: [0x46],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  f32Gt: [0x5e],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32And: [0x71],
  i32Shl: [0x74],
  f32Sqrt: [0x91],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  v128Load: simd(0x00, 0x00, 0x00),
  v128Store: simd(0x0b, 0x00, 0x00),
  /** v128.load with a static byte offset. */
  v128LoadAt: (offset: number) => simd(0x00, 0x00, ...uleb(offset)),
  /** v128.store with a static byte offset. */
  v128StoreAt: (offset: number) => simd(0x0b, 0x00, ...uleb(offset)),
  /** v128.load32_splat: one f32 from memory in all four lanes, static byte offset. */
  v128Load32Splat: (offset: number) => simd(0x09, 0x00, ...uleb(offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** i8x16.shuffle of two f32x4 operands by f32 lane (0–3 first operand, 4–7 second). */
  shuffle: (lanes: number[]) => simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])),
  f32x4Splat: simd(0x13),
  f32x4Gt: simd(0x44),
  bitselect: simd(0x52),
  f32x4Neg: simd(0xe1),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** f32x4.pmin(a, b) = b < a ? b : a per lane (a selection: x64 minps, arm64 fcmgt + bsl). */
  f32x4Pmin: simd(0xea),
  /** f32x4.pmax(a, b) = a < b ? b : a per lane. */
  f32x4Pmax: simd(0xeb),
  /** f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused or not as the engine likes. */
  f32x4RelaxedMadd: simd(0x105),
  /** i32x4.relaxed_laneselect (relaxed SIMD): bitselect(a, b, m) for masks of whole lanes (x64 blendvps). */
  i32x4RelaxedLaneselect: simd(0x10b),
};

/** `for (i = 0; i < limit; i += step) body`, with i and limit i32 locals. */
export function forLoop(i: number, limit: number, step: number, body: number[]): number[] {
  return [
    ...op.i32Const(0),
    ...op.set(i),
    ...op.block,
    ...op.loop,
    ...op.get(i),
    ...op.get(limit),
    ...op.i32GeU,
    ...op.brIf(1),
    ...body,
    ...op.get(i),
    ...op.i32Const(step),
    ...op.i32Add,
    ...op.set(i),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** A function body: local declarations ([count, type] runs), code, end. */
export function funcBody(locals: Array<[number, number]>, code: number[]): number[] {
  const body = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code, ...op.end];
  return [...uleb(body.length), ...body];
}

/**
 * A module importing `env.memory` with the given functions (each a
 * [name, param types, body]); no results.
 */
export function moduleBytes(funcs: Array<[string, number[], number[]]>): Uint8Array<ArrayBuffer> {
  const types = section(1, vec(funcs.map(([, params]) => [0x60, ...vec(params.map((p) => [p])), ...vec([])])));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const fns = section(3, vec(funcs.map((_, i) => uleb(i))));
  const exportSection = section(7, vec(funcs.map(([name], i) => [...str(name), 0x00, ...uleb(i)])));
  const code = section(10, vec(funcs.map(([, , body]) => body)));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...types,
    ...imports,
    ...fns,
    ...exportSection,
    ...code,
  ]);
}

/** A module of one function using f32x4.relaxed_madd: valid only where the engine has relaxed SIMD. */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const body = funcBody(
    [],
    [...op.get(0), ...op.get(1), ...op.get(2), ...op.get(3), ...op.f32x4RelaxedMadd, ...op.v128Store],
  );
  return moduleBytes([['probe', [I32, V128, V128, V128], body]]);
}

let relaxedMode: 'auto' | 'off' = 'auto';
let relaxedSeen = false;

/**
 * Whether lipnet's generated kernels use relaxed SIMD's f32x4.relaxed_madd
 * (a fused multiply-add where the CPU has one: 15–20 % faster convolutions on
 * x64 with FMA): `auto` (default) uses it when the engine validates it, `off`
 * never. Returns the previous mode. Results differ from the unfused ones in
 * the last bits only (both are tested against the cpu backend to 1e-5).
 */
export function setRelaxedSimd(mode: 'auto' | 'off'): 'auto' | 'off' {
  const prev = relaxedMode;
  relaxedMode = mode;
  return prev;
}

/** Whether generated kernels use relaxed SIMD now (see {@link setRelaxedSimd}). */
export function relaxedSimdEnabled(): boolean {
  if (relaxedMode === 'off') return false;
  if (!relaxedSeen) relaxedSeen = WebAssembly.validate(relaxedProbe());
  return relaxedSeen;
}

const compiled = new Map<string, WebAssembly.Module>();
const instances = new Map<string, WeakMap<WebAssembly.Memory, WebAssembly.Instance>>();

/**
 * The instance of module `key` (bytes from `bytes()`, compiled once per
 * process) on `backend`'s memory: the `WebAssembly.Memory` the tfjs wasm
 * module exports as `asm.memory`, so the kernels read and write tensors where
 * the backend keeps them. One instance per memory (per worker thread).
 */
export function moduleOnBackendMemory(
  backend: BackendWasm,
  key: string,
  bytes: () => Uint8Array<ArrayBuffer>,
): WebAssembly.Instance {
  const memory = (backend.wasm as unknown as { asm?: Record<string, unknown> }).asm?.['memory'];
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new WasmKernelsError(
      `${key} (wasm): the wasm backend does not export its WebAssembly.Memory (asm.memory) in this tfjs-backend-wasm version. Call unregisterWasmTrainingKernels() to use the stock composition.`,
    );
  }
  let perMemory = instances.get(key);
  if (!perMemory) instances.set(key, (perMemory = new WeakMap()));
  let instance = perMemory.get(memory);
  if (!instance) {
    let mod = compiled.get(key);
    if (!mod) compiled.set(key, (mod = new WebAssembly.Module(bytes())));
    instance = new WebAssembly.Instance(mod, { env: { memory } });
    perMemory.set(memory, instance);
  }
  return instance;
}

/** Keys of the modules compiled so far in this thread (which generated kernels ran; for tests). */
export function compiledModuleKeys(): string[] {
  return [...compiled.keys()];
}

/** The byte address of `t`'s data in `backend`'s memory (what the modules' functions take). */
export function memoryOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
