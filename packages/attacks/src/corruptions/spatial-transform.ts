import * as tf from '@tensorflow/tfjs-core';

/**
 * Rotates (degrees) and translates (pixels) channels-last images `[N, H, W, C]` as foolbox's TensorFlow
 * `transform_tf` does: an affine sampling grid on [−1, 1]² (align-corners), `[x_s, y_s] = θ·[x_t, y_t, 1]`
 * with `θ = [[cos φ, −sin φ, dx/(H/2)], [sin φ, cos φ, dy/(W/2)]]`, bilinear interpolation, indices
 * clamped to the image (edge pixels repeat).
 */
export function rotateAndShift(x: tf.Tensor4D, dx: number, dy: number, degrees: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const phi = (degrees * Math.PI) / 180;
  const [cs, sn] = [Math.cos(phi), Math.sin(phi)];
  const tx = dx / (h / 2);
  const ty = dy / (w / 2);
  const idx = [0, 1, 2, 3].map(() => new Int32Array(h * w));
  const wt = [0, 1, 2, 3].map(() => new Float32Array(h * w));
  for (let r = 0; r < h; r++) {
    for (let q = 0; q < w; q++) {
      const xt = w > 1 ? -1 + (2 * q) / (w - 1) : 0;
      const yt = h > 1 ? -1 + (2 * r) / (h - 1) : 0;
      const xs = 0.5 * (cs * xt - sn * yt + tx + 1) * (w - 1);
      const ys = 0.5 * (sn * xt + cs * yt + ty + 1) * (h - 1);
      const x0 = Math.floor(xs);
      const y0 = Math.floor(ys);
      const cx = (v: number) => Math.min(Math.max(v, 0), w - 1);
      const cy = (v: number) => Math.min(Math.max(v, 0), h - 1);
      const [x0c, x1c, y0c, y1c] = [cx(x0), cx(x0 + 1), cy(y0), cy(y0 + 1)];
      const k = r * w + q;
      // Weights use the clamped corners, as foolbox's sampler does.
      const corners: [number, number, number][] = [
        [y0c, x0c, (x1c - xs) * (y1c - ys)],
        [y1c, x0c, (x1c - xs) * (ys - y0c)],
        [y0c, x1c, (xs - x0c) * (y1c - ys)],
        [y1c, x1c, (xs - x0c) * (ys - y0c)],
      ];
      corners.forEach(([yy, xx, ww], j) => {
        (idx[j] as Int32Array)[k] = yy * w + xx;
        (wt[j] as Float32Array)[k] = ww;
      });
    }
  }
  return tf.tidy(() => {
    const flat = tf.reshape(x, [n, h * w, c]);
    let out: tf.Tensor = tf.zeros([n, h * w, c]);
    for (let j = 0; j < 4; j++) {
      const g = tf.gather(flat, tf.tensor1d(idx[j] as Int32Array, 'int32'), 1);
      out = tf.add(out, tf.mul(g, tf.reshape(tf.tensor1d(wt[j] as Float32Array), [1, h * w, 1])));
    }
    return tf.reshape(out, [n, h, w, c]) as tf.Tensor4D;
  });
}
