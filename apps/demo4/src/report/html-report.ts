/**
 * A self-contained interactive HTML report: the Vega runtime is inlined (no
 * CDN, works offline from a file:// URL), each figure is its compiled Vega
 * specification rendered in the page (tooltips, zoom and pan where the
 * specification has them), and tables are plain HTML.
 */
import * as fs from 'fs';
import type { TopLevelSpec } from 'vega-lite';
import { toVega } from '../figures/render';

/** A figure of the report. */
export interface ReportFigure {
  /** Element id (letters, digits, dashes). */
  id: string;
  caption: string;
  spec: TopLevelSpec;
}

/** A table of the report. */
export interface ReportTable {
  caption: string;
  columns: string[];
  rows: (string | number)[][];
}

/** Everything {@link htmlReport} lays out, in order: header lines, tables, figures. */
export interface ReportContent {
  title: string;
  lines: string[];
  tables: ReportTable[];
  figures: ReportFigure[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function table(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${esc(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The page's script: renders every figure with the inlined Vega, then marks the body `data-rendered`. */
const RENDER_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('figure-specs').textContent);
  Promise.all(figures.map(function (f) {
    var view = new vega.View(vega.parse(f.spec), { renderer: 'svg', container: '#' + f.id, hover: true });
    return view.runAsync();
  })).then(function () {
    document.body.setAttribute('data-rendered', String(figures.length));
  }, function (err) {
    document.body.setAttribute('data-render-error', String(err));
    console.error('demo4 report: a figure failed to render: ' + err);
  });
})();`;

/** The report page. */
export function htmlReport(c: ReportContent): string {
  const vegaJs = fs
    .readFileSync(require.resolve('vega/build/vega.min.js'), 'utf8')
    .replace(/<\/script/gi, '<\\/script');
  const specs = c.figures.map((f) => ({ id: f.id, spec: toVega(f.spec) }));
  const figures = c.figures
    .map(
      (f) => `<figure><div id="${esc(f.id)}" class="figure"></div><figcaption>${esc(f.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(c.title)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 12px 0 24px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
figure { margin: 24px 0; }
figcaption { color: #555; max-width: 70em; }
</style></head>
<body>
<h1>${esc(c.title)}</h1>
${c.lines.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${c.tables.map(table).join('\n')}
${figures}
<script>${vegaJs}</script>
<script type="application/json" id="figure-specs">${scriptJson(specs)}</script>
<script>${RENDER_SCRIPT}</script>
</body></html>
`;
}
