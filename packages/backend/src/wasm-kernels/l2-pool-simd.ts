/**
 * L2-norm pooling for the wasm backend in one WebAssembly pass each way: the
 * `LipnetL2Pool` / `LipnetL2PoolGrad` kernels of @lipnet/layers'
 * `FUSED_KERNELS` contract (ScaledL2NormPooling2D, disjoint ph×pw windows,
 * 'valid', NHWC), where the stock composition takes four passes forward
 * (square, avgpool, sqrt, scale) and five back:
 *
 *   y  = scale · √(Σ_window x² / (ph·pw))
 *   dx = g · (1/(ph·pw)) · 2x,  g = dy·scale / (2(r + eps)),  r = √(Σ_window x² / (ph·pw))
 *
 * (r recomputed from x, deel-lip's ε square-root gradient). Channels are
 * processed four at a time with f32x4 when C is a multiple of 4, else one at
 * a time; rows and columns past the last whole window get no gradient. The
 * common case (C % 4 = 0, whole windows of ≤ 16 taps: demo4's layers) runs a
 * module generated per geometry with the window unrolled
 * (l2-pool-window-simd.ts), the same arithmetic.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './stock';
import { WasmKernelsError } from '../errors';
import { windowModuleApplies, windowModuleBytes } from './l2-pool-window-simd';
import {
  F32,
  I32,
  V128,
  forLoop,
  funcBody,
  memoryOffset,
  moduleBytes,
  moduleOnBackendMemory,
  op,
} from './wasm-encoding';
import { FUSED_KERNELS } from '@lipnet/core';
import type { KernelArgs } from '../kernel-args';

/** The arithmetic of one lane width: f32x4 (4 channels) or f32 (1 channel). */
interface Lanes {
  width: number;
  type: number;
  load: number[];
  store: number[];
  zero: number[];
  splat: number[];
  add: number[];
  mul: number[];
  div: number[];
  sqrt: number[];
}

const VECTOR: Lanes = {
  width: 4,
  type: V128,
  load: op.v128Load,
  store: op.v128Store,
  zero: op.v128Zero,
  splat: op.f32x4Splat,
  add: op.f32x4Add,
  mul: op.f32x4Mul,
  div: op.f32x4Div,
  sqrt: op.f32x4Sqrt,
};
const SCALAR: Lanes = {
  width: 1,
  type: F32,
  load: op.f32Load(0),
  store: op.f32Store(0),
  zero: op.f32Const(0),
  splat: [],
  add: op.f32Add,
  mul: op.f32Mul,
  div: op.f32Div,
  sqrt: op.f32Sqrt,
};

// Parameters (both functions): 0 x, 1 out (y or dx), 2 dy (grad only, else unused),
// 3 rows = N·OH, 4 OH, 5 H, 6 W, 7 C, 8 ph, 9 pw, 10 OW, 11 count (f32), 12 scale (f32), 13 eps (f32).
const [X, OUT, DY, ROWS, OHP, H, W, C, PH, PW, OW, COUNT, SCALE, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
// i32 locals: 14 r, 15 q (ow), 16 k (channel), 17 dh, 18 dw, 19 rel (byte offset of row r's windows),
// 20 win (address of the window's first x lanes), 21 pr (row pointer), 22 pc (lane pointer),
// 23 rs (bytes per input row W·C·4), 24 cs (bytes per pixel C·4), 25 qs (bytes per window step pw·C·4);
// lane locals: 26 acc, 27 g.
const [R, Q, K, DH, DW, REL, WIN, PR, PC, RS, CS, QS, ACC, G] = [
  14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
];
const I32_LOCALS = 12;
const PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32];

const get = op.get;
const mulI = (a: number[], b: number[]) => [...a, ...b, ...op.i32Mul];
const addI = (a: number[], b: number[]) => [...a, ...b, ...op.i32Add];
const bytes = (a: number[]) => [...a, ...op.i32Const(2), ...op.i32Shl];
const bump = (local: number, by: number) => [...get(local), ...get(by), ...op.i32Add, ...op.set(local)];

/** rs, cs, qs: the byte strides, once per call. */
const strides = [
  ...bytes(mulI(get(W), get(C))),
  ...op.set(RS),
  ...bytes(get(C)),
  ...op.set(CS),
  ...bytes(mulI(get(PW), get(C))),
  ...op.set(QS),
];

/** rel = ((r / OH)·H + (r % OH)·ph)·W·C·4. */
const rowStart = [
  ...bytes(
    mulI(
      mulI(
        addI(
          mulI([...get(R), ...get(OHP), ...op.i32DivU], get(H)),
          mulI([...get(R), ...get(OHP), ...op.i32RemU], get(PH)),
        ),
        get(W),
      ),
      get(C),
    ),
  ),
  ...op.set(REL),
];

/** win = x + rel + q·qs + k·4. */
const windowStart = [
  ...get(X),
  ...get(REL),
  ...op.i32Add,
  ...mulI(get(Q), get(QS)),
  ...op.i32Add,
  ...bytes(get(K)),
  ...op.i32Add,
  ...op.set(WIN),
];

/** Runs `body` with pc at each lane group of the window (row pointer pr steps by rs, pc by cs). */
const overWindow = (body: number[]) => [
  ...get(WIN),
  ...op.set(PR),
  ...forLoop(DH, PH, 1, [
    ...get(PR),
    ...op.set(PC),
    ...forLoop(DW, PW, 1, [...body, ...bump(PC, CS)]),
    ...bump(PR, RS),
  ]),
];

/** acc = Σ_window x² for the lanes at (r, q, k). */
function windowSquares(l: Lanes): number[] {
  return [
    ...l.zero,
    ...op.set(ACC),
    ...overWindow([
      ...get(ACC),
      ...get(PC),
      ...l.load,
      ...op.set(G),
      ...get(G),
      ...get(G),
      ...l.mul,
      ...l.add,
      ...op.set(ACC),
    ]),
  ];
}

/** The byte address of output element (r, q, k) of an [N·OH, OW, C] tensor at `base`. */
const pooledAt = (base: number) => [
  ...get(base),
  ...bytes(addI(mulI(addI(mulI(get(R), get(OW)), get(Q)), get(C)), get(K))),
  ...op.i32Add,
];

const splat = (l: Lanes, param: number) => [...get(param), ...l.splat];

const loops = (l: Lanes, perLanes: number[]) => [
  ...strides,
  ...forLoop(R, ROWS, 1, [...rowStart, ...forLoop(Q, OW, 1, forLoop(K, C, l.width, [...windowStart, ...perLanes]))]),
];

function forwardBody(l: Lanes): number[] {
  const perLanes = [
    ...windowSquares(l),
    ...pooledAt(OUT),
    ...get(ACC),
    ...splat(l, COUNT),
    ...l.div,
    ...l.sqrt,
    ...splat(l, SCALE),
    ...l.mul,
    ...l.store,
  ];
  return funcBody(
    [
      [I32_LOCALS, I32],
      [2, l.type],
    ],
    loops(l, perLanes),
  );
}

function backwardBody(l: Lanes): number[] {
  // dx at pc's position: out + (pc − x).
  const spread = [
    ...get(OUT),
    ...get(PC),
    ...op.i32Add,
    ...get(X),
    ...op.i32Sub,
    ...get(G),
    ...get(PC),
    ...l.load,
    ...op.f32Const(2),
    ...l.splat,
    ...l.mul,
    ...l.mul,
    ...l.store,
  ];
  const perLanes = [
    ...windowSquares(l),
    // g = (dy·scale) / (2·(√(acc/count) + eps)) · (1/count)
    ...pooledAt(DY),
    ...l.load,
    ...splat(l, SCALE),
    ...l.mul,
    ...op.f32Const(2),
    ...l.splat,
    ...get(ACC),
    ...splat(l, COUNT),
    ...l.div,
    ...l.sqrt,
    ...splat(l, EPS),
    ...l.add,
    ...l.mul,
    ...l.div,
    ...op.f32Const(1),
    ...l.splat,
    ...splat(l, COUNT),
    ...l.div,
    ...l.mul,
    ...op.set(G),
    ...overWindow(spread),
  ];
  return funcBody(
    [
      [I32_LOCALS, I32],
      [2, l.type],
    ],
    loops(l, perLanes),
  );
}

/** The module: `pool4`, `poolGrad4` (C % 4 = 0) and `pool1`, `poolGrad1` (any C), same parameters. */
export function l2PoolModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes([
    ['pool4', PARAMS, forwardBody(VECTOR)],
    ['poolGrad4', PARAMS, backwardBody(VECTOR)],
    ['pool1', PARAMS, forwardBody(SCALAR)],
    ['poolGrad1', PARAMS, backwardBody(SCALAR)],
  ]);
}

type PoolFn = (
  x: number,
  out: number,
  dy: number,
  rows: number,
  oh: number,
  h: number,
  w: number,
  c: number,
  ph: number,
  pw: number,
  ow: number,
  count: number,
  scale: number,
  eps: number,
) => void;

function geometry(name: string, x: TensorInfo, attrs: tf.NamedAttrMap) {
  const pool = attrs['poolSize'] as [number, number];
  if (x.shape.length !== 4 || x.dtype !== 'float32' || !Array.isArray(pool) || !(pool[0] >= 1 && pool[1] >= 1)) {
    throw new WasmKernelsError(
      `${name} (wasm): expected float32 NHWC x and poolSize [ph, pw] ≥ 1, got ${x.dtype} [${x.shape.join(', ')}] and ${JSON.stringify(pool)}.`,
    );
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [ph, pw] = pool;
  return { n, h, w, c, ph, pw, oh: Math.floor(h / ph), ow: Math.floor(w / pw) };
}

/** The per-geometry module's exports: `pool(x, y, rows, scale)` and `poolGrad(x, dx, dy, rows, scale, eps)`. */
interface WindowFns {
  pool: (x: number, y: number, rows: number, scale: number) => void;
  poolGrad: (x: number, dx: number, dy: number, rows: number, scale: number, eps: number) => void;
}

/** The per-geometry module (l2-pool-window-simd.ts) when it applies, else undefined. */
function windowFns(backend: BackendWasm, g: ReturnType<typeof geometry>): WindowFns | undefined {
  if (!windowModuleApplies(g.h, g.w, g.c, g.ph, g.pw)) return undefined;
  const key = `LipnetL2PoolWindow ${g.w},${g.c},${g.ph},${g.pw}`;
  return moduleOnBackendMemory(backend, key, () => windowModuleBytes({ w: g.w, c: g.c, ph: g.ph, pw: g.pw }))
    .exports as unknown as WindowFns;
}

function fn(backend: BackendWasm, name: 'pool' | 'poolGrad', c: number): PoolFn {
  const exports = moduleOnBackendMemory(backend, FUSED_KERNELS.l2Pool, l2PoolModuleBytes).exports;
  return exports[`${name}${c % 4 === 0 ? 4 : 1}`] as PoolFn;
}

/** Kernel function of `LipnetL2Pool` for 'wasm' (input x; attrs poolSize, scale). */
export function l2PoolWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const g = geometry(FUSED_KERNELS.l2Pool, x, args.attrs);
  const out = backend.makeOutput([g.n, g.oh, g.ow, g.c], 'float32');
  if (g.n * g.oh * g.ow * g.c === 0) return out;
  const fast = windowFns(backend, g);
  if (fast) {
    fast.pool(memoryOffset(backend, x), memoryOffset(backend, out), g.n * g.oh, args.attrs['scale'] as number);
    return out;
  }
  fn(backend, 'pool', g.c)(
    memoryOffset(backend, x),
    memoryOffset(backend, out),
    0,
    g.n * g.oh,
    g.oh,
    g.h,
    g.w,
    g.c,
    g.ph,
    g.pw,
    g.ow,
    g.ph * g.pw,
    args.attrs['scale'] as number,
    0,
  );
  return out;
}

/** Kernel function of `LipnetL2PoolGrad` for 'wasm' (inputs x, dy; attrs poolSize, scale, eps). */
export function l2PoolGradWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const g = geometry(FUSED_KERNELS.l2PoolGrad, x, args.attrs);
  if (dy.shape.join() !== [g.n, g.oh, g.ow, g.c].join() || dy.dtype !== 'float32') {
    throw new WasmKernelsError(
      `LipnetL2PoolGrad (wasm): dy must be float32 of the pooled shape [${[g.n, g.oh, g.ow, g.c].join(', ')}], got ${dy.dtype} [${dy.shape.join(', ')}].`,
    );
  }
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const size = tf.util.sizeFromShape(x.shape);
  if (size === 0) return out;
  // Cropped rows and columns (H or W not a multiple of the window) keep a zero gradient.
  if (g.oh * g.ph !== g.h || g.ow * g.pw !== g.w)
    new Float32Array(
      (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer,
      memoryOffset(backend, out),
      size,
    ).fill(0);
  const fast = windowFns(backend, g);
  if (fast && g.n * g.oh * g.ow * g.c > 0) {
    fast.poolGrad(
      memoryOffset(backend, x),
      memoryOffset(backend, out),
      memoryOffset(backend, dy),
      g.n * g.oh,
      args.attrs['scale'] as number,
      args.attrs['eps'] as number,
    );
  } else if (g.n * g.oh * g.ow * g.c > 0) {
    fn(backend, 'poolGrad', g.c)(
      memoryOffset(backend, x),
      memoryOffset(backend, out),
      memoryOffset(backend, dy),
      g.n * g.oh,
      g.oh,
      g.h,
      g.w,
      g.c,
      g.ph,
      g.pw,
      g.ow,
      g.ph * g.pw,
      args.attrs['scale'] as number,
      args.attrs['eps'] as number,
    );
  }
  return out;
}
