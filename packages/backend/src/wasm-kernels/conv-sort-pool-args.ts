/**
 * The inputs and attributes of the fused first-layer kernels
 * (`LipnetConvBiasPairSortL2Pool` and its gradient, conv-sort-pool.ts),
 * checked, with the geometry they imply: every refusal names the argument,
 * what was wrong with it and what to pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WasmKernelsError } from '../errors';
import type { KernelArgs } from '../kernel-args';
import type { ConvPoolGeometry } from './conv-sort-pool-window';
import type { TensorInfo } from './stock';

/** The checked inputs: x [N, H, W, Cin], w [kh, kw, Cin, C], b [C], dy (gradient only) and the attrs. */
export interface ConvPoolInputs {
  x: TensorInfo;
  w: TensorInfo;
  b: TensorInfo;
  dy?: TensorInfo;
  n: number;
  padding: 'same' | 'valid';
  scale: number;
  eps: number;
  g: ConvPoolGeometry;
}

const shapeOf = (t: TensorInfo): string => `${t.dtype} [${t.shape.join(', ')}]`;
const isPositiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function fail(name: string, what: string): never {
  throw new WasmKernelsError(`${name} (wasm): ${what}`);
}

/** x, w and b checked (float32, ranks, Cin and Cout agreeing, Cout even). */
function checkTensors(name: string, x: TensorInfo, w: TensorInfo, b: TensorInfo): void {
  if (x?.dtype !== 'float32' || x.shape.length !== 4)
    fail(name, `x must be float32 [N, H, W, Cin]; got ${x ? shapeOf(x) : 'nothing'}.`);
  if (w?.dtype !== 'float32' || w.shape.length !== 4)
    fail(name, `w must be float32 [kh, kw, Cin, Cout]; got ${w ? shapeOf(w) : 'nothing'}.`);
  const [kh, kw, cin, c] = w.shape as [number, number, number, number];
  if (!(kh >= 1 && kw >= 1 && cin >= 1)) fail(name, `w's kh, kw and Cin must be ≥ 1; got w ${shapeOf(w)}.`);
  if (cin !== x.shape[3])
    fail(name, `w's Cin (dim 2 of w ${shapeOf(w)}) must equal x's channels (dim 3 of x ${shapeOf(x)}).`);
  if (c < 2 || c % 2 !== 0) fail(name, `w's Cout (dim 3 of w ${shapeOf(w)}) must be even and ≥ 2 for GroupSort(2).`);
  if (b?.dtype !== 'float32' || b.shape.length !== 1 || b.shape[0] !== c)
    fail(name, `b must be float32 [${c}] (w's Cout); got ${b ? shapeOf(b) : 'nothing'}.`);
}

/** A finite number attribute. */
function numberAttr(name: string, attrs: tf.NamedAttrMap, key: 'scale' | 'eps'): number {
  const v = attrs[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(name, `attr ${key} must be a finite number; got ${JSON.stringify(v) ?? typeof v}.`);
  }
  return v;
}

/** poolSize [ph, pw] and padding checked. */
function poolAndPadding(name: string, attrs: tf.NamedAttrMap): { ph: number; pw: number; padding: 'same' | 'valid' } {
  const pool = attrs['poolSize'] as unknown;
  if (!Array.isArray(pool) || pool.length !== 2 || !pool.every(isPositiveInt)) {
    fail(name, `attr poolSize must be [ph, pw], two integers ≥ 1; got ${JSON.stringify(pool) ?? typeof pool}.`);
  }
  const padding = attrs['padding'] as unknown;
  if (padding !== 'same' && padding !== 'valid') {
    fail(name, `attr padding must be 'same' or 'valid'; got ${JSON.stringify(padding) ?? typeof padding}.`);
  }
  return { ph: pool[0] as number, pw: pool[1] as number, padding };
}

/**
 * The checked inputs of `name` (with dy and eps when `grad`) and their
 * geometry: the stride-1 convolution's output oH × oW and padding as tfjs'
 * Conv2D computes them, pooled to ⌊oH/ph⌋ × ⌊oW/pw⌋.
 */
export function convPoolInputs(name: string, args: KernelArgs, grad: boolean): ConvPoolInputs {
  const x = args.inputs['x'] as TensorInfo;
  const w = args.inputs['w'] as TensorInfo;
  const b = args.inputs['b'] as TensorInfo;
  checkTensors(name, x, w, b);
  const { ph, pw, padding } = poolAndPadding(name, args.attrs);
  const scale = numberAttr(name, args.attrs, 'scale');
  const eps = grad ? numberAttr(name, args.attrs, 'eps') : 0;
  const [n, h, wd, cin] = x.shape as [number, number, number, number];
  const [kh, kw, , c] = w.shape as [number, number, number, number];
  const oh = padding === 'same' ? h : h - kh + 1;
  const ow = padding === 'same' ? wd : wd - kw + 1;
  if (oh < ph || ow < pw) {
    fail(
      name,
      `the ${ph}×${pw} pool (attr poolSize) is larger than the convolution's ${Math.max(oh, 0)}×${Math.max(ow, 0)} output (x ${shapeOf(x)}, w ${shapeOf(w)}, padding '${padding}'); pass a smaller poolSize or a larger x.`,
    );
  }
  // tfjs' (TensorFlow's) 'same' at stride 1: kh − 1 rows in all, ⌊(kh − 1)/2⌋ on top; the same for columns.
  const top = padding === 'same' ? Math.floor((kh - 1) / 2) : 0;
  const left = padding === 'same' ? Math.floor((kw - 1) / 2) : 0;
  const g: ConvPoolGeometry = {
    kh,
    kw,
    cin,
    c,
    ph,
    pw,
    h,
    w: wd,
    top,
    left,
    hp: oh + kh - 1,
    wp: ow + kw - 1,
    rows: Math.floor(oh / ph),
    cols: Math.floor(ow / pw),
  };
  const out: ConvPoolInputs = { x, w, b, n, padding, scale, eps, g };
  if (grad) {
    const dy = args.inputs['dy'] as TensorInfo;
    const pooled = [n, g.rows, g.cols, c];
    if (dy?.dtype !== 'float32' || dy.shape.join() !== pooled.join()) {
      fail(name, `dy must be float32 of the pooled shape [${pooled.join(', ')}]; got ${dy ? shapeOf(dy) : 'nothing'}.`);
    }
    out.dy = dy;
  }
  return out;
}
