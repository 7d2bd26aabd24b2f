/** Paints 28×28 images onto canvases: grey levels, and a signed perturbation in a diverging palette. */

/** Draws `pixels` (h·w values in [0, 1], 0 = black) on `canvas`, scaled to its size (nearest neighbour). */
export function drawGray(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, w = 28, h = 28): void {
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i]!)) * 255);
    img.data.set([v, v, v, 255], 4 * i);
  }
  blit(canvas, img);
}

/**
 * Draws a signed perturbation: 0 is black, +a is orange, −a is blue, with `a`
 * mapped to full intensity (so the picture is amplified by 1/a). Returns `a`.
 */
export function drawSigned(canvas: HTMLCanvasElement, delta: ArrayLike<number>, w = 28, h = 28): number {
  let a = 0;
  for (let i = 0; i < w * h; i++) a = Math.max(a, Math.abs(delta[i]!));
  const scale = a > 0 ? 1 / a : 0;
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const t = Math.max(-1, Math.min(1, delta[i]! * scale));
    const rgb = t >= 0 ? [255 * t, 150 * t, 20 * t] : [40 * -t, 140 * -t, 255 * -t];
    img.data.set([...rgb.map(Math.round), 255], 4 * i);
  }
  blit(canvas, img);
  return a;
}

function blit(canvas: HTMLCanvasElement, img: ImageData): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  if (canvas.width === img.width && canvas.height === img.height) {
    ctx.putImageData(img, 0, 0);
    return;
  }
  const tmp = document.createElement('canvas');
  tmp.width = img.width;
  tmp.height = img.height;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}
