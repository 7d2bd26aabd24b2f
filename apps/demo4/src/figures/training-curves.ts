/**
 * Training curves: loss, accuracy and MulticlassKR per epoch, train and
 * validation, as a PNG (three panels side by side) and as an HTML page with the
 * same charts in inline SVG.
 */
import { Canvas, type Rgb } from './canvas';
import { textWidth } from './font';

/** One series per metric key: `history[key][epoch]`. */
export type History = Record<string, number[]>;

/** The panels drawn: title, train key, validation key. */
export const CURVE_PANELS: { title: string; train: string; val: string }[] = [
  { title: 'loss (MulticlassHKR)', train: 'loss', val: 'val_loss' },
  { title: 'accuracy', train: 'accuracy', val: 'val_accuracy' },
  { title: 'MulticlassKR', train: 'MulticlassKR', val: 'val_MulticlassKR' },
];

export const TRAIN_COLOR: Rgb = [31, 119, 180];
export const VAL_COLOR: Rgb = [255, 127, 14];

/** Panel geometry (pixels). */
export const CURVES_LAYOUT = { panelW: 440, panelH: 340, left: 64, right: 16, top: 34, bottom: 48 } as const;

/** Size of the curves PNG. */
export function curvesSize(): { width: number; height: number } {
  return { width: CURVES_LAYOUT.panelW * CURVE_PANELS.length, height: CURVES_LAYOUT.panelH };
}

/** "Nice" tick values (1, 2, 2.5, 5 × 10^k steps) covering [lo, hi], about `n` of them. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toFixed(10)));
  return ticks;
}

function tickLabel(v: number, step: number): string {
  let d = 0;
  while (d < 6 && Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) > 1e-6) d++;
  return v.toFixed(d);
}

interface PanelScale {
  x: (epoch: number) => number;
  y: (v: number) => number;
  yTicks: number[];
  xTicks: number[];
}

function panelScale(ox: number, train: number[], val: number[]): PanelScale {
  const L = CURVES_LAYOUT;
  const values = [...train, ...val].filter(Number.isFinite);
  const epochs = Math.max(train.length, val.length, 1);
  const yTicks = values.length ? niceTicks(Math.min(...values), Math.max(...values)) : [0, 1];
  const y0 = yTicks[0]!;
  const y1 = yTicks[yTicks.length - 1]!;
  const xTicks =
    epochs === 1 ? [1] : niceTicks(1, epochs, 6).filter((e) => e >= 1 && e <= epochs && Number.isInteger(e));
  const pw = L.panelW - L.left - L.right;
  const ph = L.panelH - L.top - L.bottom;
  return {
    x: (e) => ox + L.left + (epochs === 1 ? pw / 2 : ((e - 1) / (epochs - 1)) * pw),
    y: (v) => L.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph,
    yTicks,
    xTicks,
  };
}

/** Renders the three panels into a canvas (call `.toPng()`). */
export function trainingCurves(history: History): Canvas {
  const L = CURVES_LAYOUT;
  const { width, height } = curvesSize();
  const c = new Canvas(width, height);
  const grey: Rgb = [220, 220, 220];
  CURVE_PANELS.forEach((p, k) => {
    const ox = k * L.panelW;
    const train = history[p.train] ?? [];
    const val = history[p.val] ?? [];
    const s = panelScale(ox, train, val);
    const px0 = ox + L.left;
    const px1 = ox + L.panelW - L.right;
    const py0 = L.top;
    const py1 = L.panelH - L.bottom;
    c.text(ox + L.panelW / 2, 10, p.title, [0, 0, 0], 2, 'center');
    const yStep = s.yTicks.length > 1 ? s.yTicks[1]! - s.yTicks[0]! : 1;
    for (const t of s.yTicks) {
      const y = Math.round(s.y(t));
      c.line(px0, y, px1, y, grey);
      c.text(px0 - 6, y - 3, tickLabel(t, yStep), [60, 60, 60], 1, 'right');
    }
    for (const e of s.xTicks) {
      const x = Math.round(s.x(e));
      c.line(x, py1, x, py1 + 4, [0, 0, 0]);
      c.text(x, py1 + 8, String(e), [60, 60, 60], 1, 'center');
    }
    c.strokeRect(px0, py0, px1 - px0 + 1, py1 - py0 + 1, [0, 0, 0]);
    c.text(ox + L.left + (px1 - px0) / 2, L.panelH - 18, 'epoch', [0, 0, 0], 1, 'center');
    const draw = (series: number[], color: Rgb) => {
      for (let i = 1; i < series.length; i++)
        c.line(s.x(i), s.y(series[i - 1]!), s.x(i + 1), s.y(series[i]!), color, 2);
      if (series.length <= 30) series.forEach((v, i) => c.marker(s.x(i + 1), s.y(v), color, 5));
    };
    draw(train, TRAIN_COLOR);
    draw(val, VAL_COLOR);
    // legend inside the plot, in the right-hand corner away from where the curves end
    const last = [train[train.length - 1], val[val.length - 1]].filter((v): v is number => v !== undefined);
    const endsLow = last.length > 0 && last.every((v) => s.y(v) > (py0 + py1) / 2);
    const lx = px1 - 10 - textWidth('validation', 1) - 22;
    const ly = endsLow ? py0 + 12 : py1 - 30;
    c.fillRect(lx - 6, ly - 6, px1 - lx, 30, [255, 255, 255]);
    c.strokeRect(lx - 6, ly - 6, px1 - lx, 30, [160, 160, 160]);
    c.line(lx, ly + 3, lx + 16, ly + 3, TRAIN_COLOR, 2);
    c.text(lx + 22, ly, 'train', [0, 0, 0]);
    c.line(lx, ly + 15, lx + 16, ly + 15, VAL_COLOR, 2);
    c.text(lx + 22, ly + 12, 'validation', [0, 0, 0]);
  });
  return c;
}

const rgbCss = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The same charts as a standalone HTML page with inline SVG (no scripts, no external files). */
export function trainingCurvesHtml(history: History, title = 'demo4 training curves'): string {
  const L = CURVES_LAYOUT;
  const panels = CURVE_PANELS.map((p) => {
    const train = history[p.train] ?? [];
    const val = history[p.val] ?? [];
    const s = panelScale(0, train, val);
    const px0 = L.left;
    const px1 = L.panelW - L.right;
    const py1 = L.panelH - L.bottom;
    const yStep = s.yTicks.length > 1 ? s.yTicks[1]! - s.yTicks[0]! : 1;
    const parts: string[] = [];
    parts.push(`<text x="${L.panelW / 2}" y="22" text-anchor="middle" font-size="16">${esc(p.title)}</text>`);
    for (const t of s.yTicks) {
      const y = s.y(t).toFixed(1);
      parts.push(`<line x1="${px0}" x2="${px1}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
      parts.push(
        `<text x="${px0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${tickLabel(t, yStep)}</text>`,
      );
    }
    for (const e of s.xTicks)
      parts.push(`<text x="${s.x(e).toFixed(1)}" y="${py1 + 16}" text-anchor="middle" font-size="11">${e}</text>`);
    parts.push(
      `<rect x="${px0}" y="${L.top}" width="${px1 - px0}" height="${py1 - L.top}" fill="none" stroke="#000"/>`,
    );
    parts.push(`<text x="${(px0 + px1) / 2}" y="${L.panelH - 10}" text-anchor="middle" font-size="12">epoch</text>`);
    const poly = (series: number[], color: Rgb, name: string) => {
      const pts = series.map((v, i) => `${s.x(i + 1).toFixed(1)},${s.y(v).toFixed(1)}`).join(' ');
      const dots = series
        .map(
          (v, i) =>
            `<circle cx="${s.x(i + 1).toFixed(1)}" cy="${s.y(v).toFixed(1)}" r="2.5" fill="${rgbCss(color)}"><title>${name} epoch ${i + 1}: ${v.toFixed(4)}</title></circle>`,
        )
        .join('');
      return `<polyline points="${pts}" fill="none" stroke="${rgbCss(color)}" stroke-width="2"/>${dots}`;
    };
    parts.push(poly(train, TRAIN_COLOR, p.train), poly(val, VAL_COLOR, p.val));
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${L.panelW}" height="${L.panelH}" font-family="sans-serif">${parts.join('')}</svg>`;
  });
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body style="font-family:sans-serif">
<h1 style="font-size:18px">${esc(title)}</h1>
<p><span style="color:${rgbCss(TRAIN_COLOR)}">&#9632; train</span> &nbsp; <span style="color:${rgbCss(VAL_COLOR)}">&#9632; validation</span></p>
<div style="display:flex;flex-wrap:wrap">${panels.join('\n')}</div>
</body></html>
`;
}
