/**
 * A small SVG line chart (axes with ticks, one or more series, an optional
 * vertical marker), drawn from scratch: enough for the robust-accuracy curve
 * and the live training curves, without a plotting library in the bundle.
 */

/** One line. */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

/** What to draw. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Axis ranges; default: the data's extent. */
  x?: [number, number];
  y?: [number, number];
  /** A vertical line at this x, with a label. */
  marker?: { x: number; label: string };
  /** Where the legend goes (default top-right). */
  legend?: 'top-right' | 'bottom-right';
  /** Formats y tick labels (default: 3 significant digits). */
  yFormat?: (v: number) => string;
}

const NS = 'http://www.w3.org/2000/svg';
const W = 420;
const H = 230;
const M = { left: 52, right: 12, top: 26, bottom: 40 };

function node(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `n` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return fallback;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** Renders `spec` into `host` (replacing its content) as an accessible SVG. */
export function renderChart(host: HTMLElement, spec: ChartSpec): void {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = spec.x ?? extent(xs, [0, 1]);
  const [y0, y1] = spec.y ?? extent(ys, [0, 1]);
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const fy = spec.yFormat ?? ((v: number) => String(Number(v.toPrecision(3))));
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': spec.title });
  svg.append(node('title', {}, spec.title));
  svg.append(node('text', { x: M.left, y: 16, 'font-weight': 600, fill: '#1b1f24' }, spec.title));
  for (const t of ticks(y0, y1, 4)) {
    svg.append(node('line', { x1: M.left, x2: W - M.right, y1: sy(t), y2: sy(t), stroke: '#e3e8ee' }));
    svg.append(node('text', { x: M.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, fy(t)));
  }
  for (const t of ticks(x0, x1, 6)) {
    svg.append(node('line', { x1: sx(t), x2: sx(t), y1: H - M.bottom, y2: H - M.bottom + 4, stroke: '#4d5560' }));
    svg.append(node('text', { x: sx(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, String(t)));
  }
  svg.append(node('line', { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, stroke: '#4d5560' }));
  svg.append(node('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, spec.xLabel));
  svg.append(
    node(
      'text',
      {
        x: 12,
        y: (M.top + H - M.bottom) / 2,
        transform: `rotate(-90 12 ${(M.top + H - M.bottom) / 2})`,
        'text-anchor': 'middle',
      },
      spec.yLabel,
    ),
  );
  spec.series.forEach((s, k) => {
    const d = s.points
      .filter((p) => Number.isFinite(p[1]))
      .map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
      .join('');
    if (d) {
      svg.append(
        node('path', {
          d,
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
          ...(s.dashed ? { 'stroke-dasharray': '5 4' } : {}),
        }),
      );
    }
    const lx = W - M.right - 150;
    const ly =
      spec.legend === 'bottom-right' ? H - M.bottom - 10 - 14 * (spec.series.length - 1 - k) : M.top + 22 + 14 * k;
    svg.append(node('line', { x1: lx, x2: lx + 16, y1: ly, y2: ly, stroke: s.color, 'stroke-width': 2 }));
    svg.append(node('text', { x: lx + 20, y: ly + 4 }, s.label));
  });
  if (spec.marker && spec.marker.x >= x0 && spec.marker.x <= x1) {
    const x = sx(spec.marker.x);
    svg.append(
      node('line', { x1: x, x2: x, y1: M.top, y2: H - M.bottom, stroke: '#a4251b', 'stroke-dasharray': '3 3' }),
    );
    const left = x > (M.left + W - M.right) / 2; // label on the side with room
    svg.append(
      node(
        'text',
        { x: left ? x - 4 : x + 4, y: M.top + 8, fill: '#a4251b', 'text-anchor': left ? 'end' : 'start' },
        spec.marker.label,
      ),
    );
  }
  host.replaceChildren(svg);
}
