/**
 * The zero-padded copy of an NHWC input that lipnet's direct convolution
 * kernels read, so that every filter tap of every output pixel is in bounds.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from './stock';

/**
 * x [N, H, W, C] copied into a zeroed [N, hp, wp, C] tensor at row `top`,
 * column `left` (top, left ≥ 0; rows and columns of x beyond hp, wp are
 * dropped). x itself (one more reference) when nothing changes. The caller
 * releases it.
 */
export function paddedInput(
  backend: BackendWasm,
  x: TensorInfo,
  top: number,
  left: number,
  hp: number,
  wp: number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (top === 0 && left === 0 && hp === h && wp === w) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  }
  const out = backend.makeOutput([n, hp, wp, c], 'float32');
  // Views taken after the allocation (which may grow the heap and detach older views).
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  dst.fill(0);
  const rows = Math.min(h, hp - top);
  const rowLen = Math.min(w, wp - left) * c;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < rows; i++) {
      const from = (img * h + i) * w * c;
      dst.set(src.subarray(from, from + rowLen), ((img * hp + i + top) * wp + left) * c);
    }
  }
  return out;
}
