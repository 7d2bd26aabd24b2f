/**
 * The `LipnetBiasPairSortL2Pool` / `LipnetBiasPairSortL2PoolGrad` kernels of
 * @lipnet/core's `FUSED_KERNELS` for the wasm backend (a conv layer's bias +
 * GroupSort(2) and the ScaledL2NormPooling2D after it, pooled from z and b):
 *
 *   P = scale · √mean_window(s²),  s = pair-sort(z + b)
 *   [dz, db]: ds = LipnetL2PoolGrad(s, dy), dz = ds permuted back as s's pairs, db = Σ_{N,H,W} dz
 *
 * One WebAssembly SIMD pass each way (bias-pair-sort-l2-pool-simd.ts, a
 * module per geometry) when C is a multiple of 4 and a window has at most 16
 * taps; otherwise the composition of lipnet's separate wasm kernels
 * (LipnetBiasPairSort then LipnetL2Pool; LipnetL2PoolGrad then
 * LipnetBiasPairSortGrad), the same numbers through an intermediate s.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { FUSED_KERNELS } from '@lipnet/core';
import { WasmKernelsError } from '../errors';
import { fusedPoolApplies, fusedPoolModuleBytes, type FusedPoolGeometry } from './bias-pair-sort-l2-pool-simd';
import { biasPairSortGradWasm, biasPairSortWasm } from './bias-pair-sort-simd';
import { l2PoolGradWasm, l2PoolWasm } from './l2-pool-simd';
import { release, type TensorInfo } from './stock';
import { memoryOffset, moduleOnBackendMemory } from './wasm-encoding';
import type { KernelArgs } from '../kernel-args';

interface Geometry extends FusedPoolGeometry {
  n: number;
  oh: number;
  ow: number;
}

/** The module's exports (see fusedPoolModuleBytes). */
interface FusedFns {
  pool: (z: number, b: number, y: number, acc: number, n: number, scale: number) => void;
  poolGrad: (
    z: number,
    b: number,
    dy: number,
    dz: number,
    acc: number,
    part: number,
    db: number,
    n: number,
    scale: number,
    eps: number,
  ) => void;
}

const isPositiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** z, b and the pool attributes checked; the geometry. */
function geometry(name: string, z: TensorInfo, b: TensorInfo, attrs: tf.NamedAttrMap): Geometry {
  const pool = attrs['poolSize'] as unknown;
  const c = z.shape[3] ?? 0;
  const okZ = z.dtype === 'float32' && z.shape.length === 4 && c % 2 === 0;
  const okB = b.dtype === 'float32' && b.shape.length === 1 && b.shape[0] === c;
  if (!okZ || !okB) {
    throw new WasmKernelsError(
      `${name} (wasm): expected float32 z [N, H, W, C] with C even and b [C]; got z ${z.dtype} [${z.shape.join(', ')}], b ${b.dtype} [${b.shape.join(', ')}].`,
    );
  }
  if (!Array.isArray(pool) || pool.length !== 2 || !pool.every(isPositiveInt)) {
    throw new WasmKernelsError(
      `${name} (wasm): poolSize must be [ph, pw], two integers ≥ 1; got ${JSON.stringify(pool)}.`,
    );
  }
  const [n, h, w] = z.shape as [number, number, number];
  const [ph, pw] = pool as [number, number];
  return { n, h, w, c, ph, pw, oh: Math.floor(h / ph), ow: Math.floor(w / pw) };
}

function numberAttr(name: string, attrs: tf.NamedAttrMap, key: 'scale' | 'eps'): number {
  const v = attrs[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new WasmKernelsError(
      `${name} (wasm): attr ${key} must be a finite number; got ${JSON.stringify(v) ?? typeof v}.`,
    );
  }
  return v;
}

const fusedFns = (backend: BackendWasm, g: Geometry): FusedFns =>
  moduleOnBackendMemory(backend, `${FUSED_KERNELS.biasPairSortL2Pool} ${g.h},${g.w},${g.c},${g.ph},${g.pw}`, () =>
    fusedPoolModuleBytes(g),
  ).exports as unknown as FusedFns;

/** Kernel function of `LipnetBiasPairSortL2Pool` for 'wasm' (inputs z, b; attrs poolSize, scale). */
export function biasPairSortL2PoolWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm;
  const z = args.inputs['z'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const g = geometry(FUSED_KERNELS.biasPairSortL2Pool, z, b, args.attrs);
  const scale = numberAttr(FUSED_KERNELS.biasPairSortL2Pool, args.attrs, 'scale');
  const attrs = { poolSize: [g.ph, g.pw], scale };
  if (g.n * g.oh * g.ow * g.c === 0 || !fusedPoolApplies(g)) {
    const s = biasPairSortWasm({ inputs: { z, b }, backend, attrs: {} });
    const y = l2PoolWasm({ inputs: { x: s }, backend, attrs });
    release(backend, s);
    return y;
  }
  const y = backend.makeOutput([g.n, g.oh, g.ow, g.c], 'float32');
  const acc = backend.makeOutput([g.ow * g.c], 'float32');
  const at = (t: TensorInfo) => memoryOffset(backend, t);
  fusedFns(backend, g).pool(at(z), at(b), at(y), at(acc), g.n, scale);
  release(backend, acc);
  return y;
}

function checkDy(g: Geometry, dy: TensorInfo): void {
  const pooled = [g.n, g.oh, g.ow, g.c];
  if (dy.dtype !== 'float32' || dy.shape.join() !== pooled.join()) {
    throw new WasmKernelsError(
      `${FUSED_KERNELS.biasPairSortL2PoolGrad} (wasm): dy must be float32 of the pooled shape [${pooled.join(', ')}]; got ${dy.dtype} [${dy.shape.join(', ')}].`,
    );
  }
}

/** Kernel function of `LipnetBiasPairSortL2PoolGrad` for 'wasm' (inputs z, b, dy; attrs poolSize, scale, eps): [dz, db]. */
export function biasPairSortL2PoolGradWasm(args: KernelArgs): TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const name = FUSED_KERNELS.biasPairSortL2PoolGrad;
  const z = args.inputs['z'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const g = geometry(name, z, b, args.attrs);
  checkDy(g, dy);
  const attrs = {
    poolSize: [g.ph, g.pw],
    scale: numberAttr(name, args.attrs, 'scale'),
    eps: numberAttr(name, args.attrs, 'eps'),
  };
  if (g.n * g.oh * g.ow * g.c === 0 || !fusedPoolApplies(g)) {
    const s = biasPairSortWasm({ inputs: { z, b }, backend, attrs: {} });
    const ds = l2PoolGradWasm({ inputs: { x: s, dy }, backend, attrs });
    const out = biasPairSortGradWasm({ inputs: { z, b, dy: ds }, backend, attrs: {} });
    release(backend, s, ds);
    return out;
  }
  const dz = backend.makeOutput(z.shape.slice(), 'float32');
  const db = backend.makeOutput([g.c], 'float32');
  const part = backend.makeOutput([g.c], 'float32');
  const acc = backend.makeOutput([g.ow * g.c], 'float32');
  (backend.typedArrayFromHeap(db) as Float32Array).fill(0);
  (backend.typedArrayFromHeap(part) as Float32Array).fill(0);
  // Rows and columns past the last whole window get no gradient; the module writes the rest.
  if (g.oh * g.ph !== g.h || g.ow * g.pw !== g.w) (backend.typedArrayFromHeap(dz) as Float32Array).fill(0);
  const at = (t: TensorInfo) => memoryOffset(backend, t);
  const fns = fusedFns(backend, g);
  fns.poolGrad(at(z), at(b), at(dy), at(dz), at(acc), at(part), at(db), g.n, attrs.scale, attrs.eps);
  release(backend, part, acc);
  return [dz, db];
}
