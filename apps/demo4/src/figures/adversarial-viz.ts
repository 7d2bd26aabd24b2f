/**
 * The notebook's `adversarial_viz` as a PNG: one row per sample with the original
 * image (titled with its predicted class), the adversarial image (titled with its
 * predicted class) and the difference map (red = intensity removed, green =
 * intensity added, normalised by the map's maximum) titled
 * `certif: 0.23, obs: 1.14` (certificate and observed L2 distance).
 */
import { Canvas, type Rgb } from './canvas';
import { textWidth } from './font';

/** One row of the figure. Images are H×W grey values in [0, 1]. */
export interface VizSample {
  image: Float32Array;
  adv: Float32Array;
  origClass: string;
  advClass: string;
  certificate: number;
  distance: number;
}

/** Layout of the figure (pixels). */
export const VIZ_LAYOUT = {
  /** Each image pixel becomes a `scale`×`scale` block. */
  scale: 7,
  /** Text scale (5×7 font → 10×14 px glyphs). */
  textScale: 2,
  /** Column width. */
  colWidth: 300,
  /** Space for the title above each image. */
  titleHeight: 22,
  /** Space below each row. */
  rowGap: 14,
  margin: 12,
} as const;

/** Pixel size of the figure for `n` rows of `side`×`side` images. */
export function vizSize(n: number, side = 28): { width: number; height: number } {
  const L = VIZ_LAYOUT;
  const rowH = L.titleHeight + side * L.scale + L.rowGap;
  return { width: 3 * L.colWidth + 2 * L.margin, height: n * rowH + 2 * L.margin - L.rowGap };
}

/** The difference map of the notebook: RGB with R = max(x − adv, 0), G = max(adv − x, 0), B = 0, divided by its maximum. */
export function differenceMap(image: Float32Array, adv: Float32Array): Float32Array {
  const out = new Float32Array(image.length * 3);
  let max = 0;
  for (let i = 0; i < image.length; i++) {
    const d = adv[i]! - image[i]!;
    const neg = Math.min(1, Math.max(0, -d));
    const pos = Math.min(1, Math.max(0, d));
    out[3 * i] = neg;
    out[3 * i + 1] = pos;
    max = Math.max(max, neg, pos);
  }
  if (max > 0) for (let i = 0; i < out.length; i++) out[i]! /= max;
  return out;
}

/** Renders the figure; returns the canvas (call `.toPng()`). */
export function adversarialViz(samples: VizSample[], side = 28): Canvas {
  const L = VIZ_LAYOUT;
  const { width, height } = vizSize(samples.length, side);
  const c = new Canvas(width, height);
  const img = side * L.scale;
  const rowH = L.titleHeight + img + L.rowGap;
  const title = (col: number, y: number, text: string, color: Rgb = [0, 0, 0]) => {
    const cx = L.margin + col * L.colWidth + L.colWidth / 2;
    // shrink the text when it does not fit the column
    const scale = textWidth(text, L.textScale) <= L.colWidth - 4 ? L.textScale : 1;
    c.text(cx, y + Math.floor((L.titleHeight - 7 * scale) / 2) - 2, text, color, scale, 'center');
  };
  samples.forEach((s, r) => {
    const y = L.margin + r * rowH;
    const x0 = (col: number) => L.margin + col * L.colWidth + Math.floor((L.colWidth - img) / 2);
    title(0, y, s.origClass);
    title(1, y, s.advClass, s.advClass === s.origClass ? [0, 0, 0] : [170, 0, 0]);
    title(2, y, `certif: ${s.certificate.toFixed(2)}, obs: ${s.distance.toFixed(2)}`);
    c.image(x0(0), y + L.titleHeight, s.image, side, side, 1, L.scale);
    c.image(x0(1), y + L.titleHeight, s.adv, side, side, 1, L.scale);
    c.image(x0(2), y + L.titleHeight, differenceMap(s.image, s.adv), side, side, 3, L.scale);
  });
  return c;
}
