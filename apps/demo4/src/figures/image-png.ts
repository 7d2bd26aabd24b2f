/**
 * Small images as PNG data URLs for the figures' image marks: grey or RGB
 * values in [0, 1], each pixel drawn as a `scale`×`scale` block (so the
 * 28×28 images stay sharp in any viewer), and the notebook's difference map.
 */
import { PNG } from 'pngjs';

/**
 * The notebook's difference map as RGB: R = max(x − adv, 0) (intensity
 * removed), G = max(adv − x, 0) (added), B = 0, divided by the map's maximum.
 */
export function differenceMap(image: Float32Array, adv: Float32Array): Float32Array {
  const out = new Float32Array(image.length * 3);
  let max = 0;
  for (let i = 0; i < image.length; i++) {
    const d = adv[i]! - image[i]!;
    out[3 * i] = Math.min(1, Math.max(0, -d));
    out[3 * i + 1] = Math.min(1, Math.max(0, d));
    max = Math.max(max, out[3 * i]!, out[3 * i + 1]!);
  }
  if (max > 0) for (let i = 0; i < out.length; i++) out[i]! /= max;
  return out;
}

/** PNG bytes of an H×W image of `channels` (1: grey, 3: RGB) values in [0, 1], upscaled by `scale`. */
export function imagePng(values: Float32Array, side: number, channels: 1 | 3, scale = 4): Buffer {
  const size = side * scale;
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const src = (Math.floor(y / scale) * side + Math.floor(x / scale)) * channels;
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const v = values[src + (channels === 1 ? 0 : c)]!;
        png.data[o + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** `data:image/png;base64,…` of {@link imagePng}. */
export function imageDataUrl(values: Float32Array, side: number, channels: 1 | 3, scale = 4): string {
  return `data:image/png;base64,${imagePng(values, side, channels, scale).toString('base64')}`;
}
