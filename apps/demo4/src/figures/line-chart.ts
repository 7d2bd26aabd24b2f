/**
 * A line chart of named series with axes, a legend, tooltips, zoom and pan
 * (drag, wheel) in the HTML report, and optional horizontal reference lines
 * ("notebook, epoch 100: 0.8387"). Training curves use it; so can any other
 * curve (e.g. robust accuracy against the perturbation radius).
 */

/** One curve. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
  /** Dashed stroke (e.g. a reference run). */
  dashed?: boolean;
}

/** A horizontal line at `y` with a label. */
export interface ReferenceLine {
  y: number;
  label: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  series: Series[];
  references?: ReferenceLine[];
  /** Colour per series name, in legend order (default: Vega's category colours). */
  colors?: Record<string, string>;
  width?: number;
  height?: number;
  /** d3-format of the y values in tooltips and labels (default `.4f`). */
  yFormat?: string;
  /** Integer x ticks (epochs). */
  integerX?: boolean;
}

/**
 * A Vega-Lite view (not top level: wrap it with `figureSpec`, alone or in a
 * concatenation) plotting `o.series` against a shared x axis.
 */
export function lineChart(o: LineChartOptions): Record<string, unknown> {
  const rows = o.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, y: p.y, dashed: !!s.dashed })));
  const names = o.series.map((s) => s.name);
  const fmt = o.yFormat ?? '.4f';
  const legend = { labelLimit: 400 };
  const color = o.colors
    ? {
        field: 'series',
        type: 'nominal',
        title: null,
        legend,
        scale: { domain: names, range: names.map((n) => o.colors![n] ?? '#888') },
      }
    : { field: 'series', type: 'nominal', title: null, legend, scale: { domain: names } };
  const xAxis = o.integerX ? { tickMinStep: 1, format: 'd' } : {};
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'line', point: Math.max(0, ...o.series.map((s) => s.points.length)) <= 30, strokeWidth: 2 },
      params: [{ name: `zoom_${o.title.replace(/\W+/g, '_')}`, select: 'interval', bind: 'scales' }],
      encoding: {
        x: { field: 'x', type: 'quantitative', title: o.xTitle, axis: xAxis, scale: { zero: false, nice: false } },
        y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: { zero: false } },
        color,
        strokeDash: {
          field: 'dashed',
          type: 'nominal',
          legend: null,
          scale: {
            domain: [false, true],
            range: [
              [1, 0],
              [6, 4],
            ],
          },
        },
        tooltip: [
          { field: 'series', title: 'series' },
          { field: 'x', title: o.xTitle },
          { field: 'y', title: o.yTitle, format: fmt },
        ],
      },
    },
  ];
  if (o.references?.length) {
    const refs = { values: o.references };
    layers.push(
      {
        data: refs,
        mark: { type: 'rule', strokeDash: [2, 3], color: '#555' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: refs,
        mark: { type: 'text', align: 'left', dx: 4, dy: -7, color: '#333', fontSize: 11, x: 0 },
        encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return {
    title: o.title,
    width: o.width ?? 330,
    height: o.height ?? 240,
    data: { values: rows },
    layer: layers,
  };
}
