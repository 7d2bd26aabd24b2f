/**
 * A tiny RGB raster for demo4's figures: rectangles, lines, images, 5×7 text,
 * written as PNG with pngjs. Coordinates are pixels, origin top-left.
 */
import { PNG } from 'pngjs';
import { ADVANCE, GLYPH_H, GLYPH_W, glyphPixel, textWidth } from './font';

/** An RGB colour, components 0–255. */
export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** An RGB image you can draw on and encode as PNG. */
export class Canvas {
  readonly data: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: expected positive integer width and height, got ${width}×${height}.`);
    }
    // a Buffer (not a Uint8Array) so pngjs gets its own type back without copies
    this.data = Buffer.alloc(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel (ignored outside the canvas). */
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  /** Reads one pixel. */
  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }

  /** Fills the rectangle [x, x+w) × [y, y+h) (clipped to the canvas). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y0 = Math.max(0, Math.round(y));
    const y1 = Math.min(this.height, Math.round(y + h));
    const [r, g, b] = c;
    const d = this.data;
    for (let yy = y0; yy < y1; yy++) {
      let i = (yy * this.width + x0) * 3;
      for (let xx = x0; xx < x1; xx++, i += 3) {
        d[i] = r;
        d[i + 1] = g;
        d[i + 2] = b;
      }
    }
  }

  /** A 1-pixel rectangle outline. */
  strokeRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.fillRect(x, y, w, 1, c);
    this.fillRect(x, y + h - 1, w, 1, c);
    this.fillRect(x, y, 1, h, c);
    this.fillRect(x + w - 1, y, 1, h, c);
  }

  /** A straight line of `thickness` pixels (Bresenham with a square brush). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const r0 = -Math.floor((thickness - 1) / 2);
    for (;;) {
      for (let a = 0; a < thickness; a++) for (let b = 0; b < thickness; b++) this.set(x0 + r0 + a, y0 + r0 + b, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** A filled square marker of side `size` centred on (x, y). */
  marker(x: number, y: number, c: Rgb, size = 5): void {
    const h = Math.floor(size / 2);
    this.fillRect(Math.round(x) - h, Math.round(y) - h, size, size, c);
  }

  /**
   * Draws `text` with the 5×7 font, each font pixel a `scale`×`scale` block.
   * `align` positions it relative to `x`. Returns the drawn width.
   */
  text(
    x: number,
    y: number,
    text: string,
    c: Rgb = BLACK,
    scale = 1,
    align: 'left' | 'center' | 'right' = 'left',
  ): number {
    const w = textWidth(text, scale);
    let left = x;
    if (align === 'center') left = Math.round(x - w / 2);
    else if (align === 'right') left = x - w;
    for (let k = 0; k < text.length; k++) {
      const ch = text[k]!;
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (glyphPixel(ch, gx, gy)) this.fillRect(left + (k * ADVANCE + gx) * scale, y + gy * scale, scale, scale, c);
        }
      }
    }
    return w;
  }

  /** Text rotated 90° counter-clockwise (reads bottom to top), centred on (cx, cy). */
  textVertical(cx: number, cy: number, text: string, c: Rgb = BLACK, scale = 1): void {
    const w = textWidth(text, scale);
    const top = Math.round(cy + w / 2);
    const left = Math.round(cx - (GLYPH_H * scale) / 2);
    for (let k = 0; k < text.length; k++) {
      const ch = text[k]!;
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (glyphPixel(ch, gx, gy))
            this.fillRect(left + gy * scale, top - (k * ADVANCE + gx + 1) * scale, scale, scale, c);
        }
      }
    }
  }

  /**
   * Draws an H×W×channels float image (values in [0, 1], clipped; 1 channel =
   * grey, 3 = RGB) with each source pixel a `scale`×`scale` block (nearest neighbour).
   */
  image(x: number, y: number, pixels: ArrayLike<number>, h: number, w: number, channels: 1 | 3, scale: number): void {
    const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const o = (i * w + j) * channels;
        const c: Rgb =
          channels === 1
            ? [q(pixels[o]!), q(pixels[o]!), q(pixels[o]!)]
            : [q(pixels[o]!), q(pixels[o + 1]!), q(pixels[o + 2]!)];
        this.fillRect(x + j * scale, y + i * scale, scale, scale, c);
      }
    }
  }

  /** PNG bytes (8-bit RGB). */
  toPng(): Buffer {
    const png = new PNG({
      width: this.width,
      height: this.height,
      colorType: 2,
      inputColorType: 2,
      inputHasAlpha: false,
    });
    png.data = this.data;
    // filter 'Sub' for every row: as small as adaptive filtering for flat figures, and much faster
    return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType: 1 });
  }
}
