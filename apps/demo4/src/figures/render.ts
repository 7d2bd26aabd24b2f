/**
 * Figures are Vega-Lite specifications (https://vega.github.io/vega-lite/),
 * compiled to Vega and rendered headless to SVG by Vega's own renderer, then
 * to PNG by resvg (`@resvg/resvg-js`) with the DejaVu Sans fonts of the
 * `dejavu-fonts-ttf` npm package loaded explicitly, so a PNG looks the same
 * on every machine whatever fonts it has installed. The same compiled Vega
 * specification drives the interactive HTML report.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The font every figure uses, and the files resvg loads for it. */
export const FIGURE_FONT = {
  family: 'DejaVu Sans',
  /** CSS font list written into the specifications (browsers without DejaVu fall back to sans-serif). */
  css: 'DejaVu Sans, Verdana, sans-serif',
  files: ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)),
} as const;

/** Vega-Lite config shared by every figure: the font, a white background, readable sizes. */
export const FIGURE_CONFIG = {
  font: FIGURE_FONT.css,
  background: 'white',
  title: { fontSize: 15, anchor: 'start' },
  axis: { labelFontSize: 12, titleFontSize: 13 },
  legend: { labelFontSize: 12, titleFontSize: 13 },
  header: { labelFontSize: 13, titleFontSize: 14 },
} as const;

/** A Vega-Lite specification with the figures' $schema and config. */
export function figureSpec(spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: FIGURE_CONFIG,
    ...spec,
  } as TopLevelSpec;
}

/** The Vega specification of a Vega-Lite one (what the HTML report embeds). */
export function toVega(spec: TopLevelSpec): vega.Spec {
  return compile(spec).spec;
}

/** Renders a Vega-Lite specification to SVG, headless (no DOM, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // (Error level: headless, the zoom params' window events cannot be bound, which Vega warns about)
  const view = new vega.View(vega.parse(toVega(spec)), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders an SVG to PNG with the figure font only (no system fonts), `zoom` times its size. */
export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: zoom },
    font: {
      fontFiles: [...FIGURE_FONT.files],
      loadSystemFonts: false,
      defaultFontFamily: FIGURE_FONT.family,
      sansSerifFamily: FIGURE_FONT.family,
    },
  });
  return resvg.render().asPng();
}

/** A rendered figure. */
export interface RenderedFigure {
  spec: TopLevelSpec;
  svg: string;
  png: Buffer;
}

/** SVG and PNG of a Vega-Lite specification. */
export async function renderFigure(spec: TopLevelSpec, zoom = 2): Promise<RenderedFigure> {
  const svg = await renderSvg(spec);
  return { spec, svg, png: svgToPng(svg, zoom) };
}
