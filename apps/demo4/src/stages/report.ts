/**
 * Stage `report`: results.json, the figures (training curves and the
 * adversarial grid, each as SVG and PNG) and the interactive HTML report, from
 * the outputs of every earlier stage.
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderFigure } from '../figures/render';
import { writeFileAtomic } from '../pipeline/atomic-write';
import { nonFiniteFromString, stringifyWithNonFinite } from '../pipeline/json-numbers';
import { OUTPUT_FILES, outputPath, type OutputRole } from '../pipeline/output-files';
import type { Stage } from '../pipeline/stage';
import { demo4FigureSpecs, demo4HtmlReport, type AttackImages } from '../report/demo4-report';
import { buildResults, finalValues, type Results, type ResultsInput } from '../report/results';
import { RESULTS_SCHEMA_FILE } from '../report/results-types';

/** What the report stage wrote, and the results. */
export interface ReportOutput {
  files: string[];
  results: Results;
}

/** Writes results.json's figures and the HTML report into `out`; returns the files written. */
export async function writeFigures(results: Results, imgs: AttackImages, out: string): Promise<string[]> {
  const specs = demo4FigureSpecs(results, imgs);
  const written: OutputRole[] = [];
  const put = (role: OutputRole, data: string | Buffer) => {
    writeFileAtomic(outputPath(out, role), data);
    written.push(role);
  };
  const curves = await renderFigure(specs.curves);
  put('curves', curves.png);
  put('curvesSvg', curves.svg);
  const viz = await renderFigure(specs.viz);
  put('viz', viz.png);
  put('vizSvg', viz.svg);
  if (specs.robustAccuracy) {
    const ra = await renderFigure(specs.robustAccuracy);
    put('robustAccuracy', ra.png);
    put('robustAccuracySvg', ra.svg);
  }
  put('report', demo4HtmlReport(results, specs));
  return written.map((r) => OUTPUT_FILES[r]);
}

/** report → results.json, figures, report.html. Reused on resume when nothing before it changed. */
export const reportStage: Stage<ResultsInput, ReportOutput> = {
  name: 'report',
  writes: true,
  key: () => ({}),
  async run(r, ctx) {
    const results = buildResults(r);
    writeFileAtomic(outputPath(ctx.out, 'results'), stringifyWithNonFinite(results));
    fs.copyFileSync(RESULTS_SCHEMA_FILE, outputPath(ctx.out, 'resultsSchema'));
    ctx.log(`Results: ${outputPath(ctx.out, 'results')}`);
    const figures = await writeFigures(results, r.attacked, ctx.out);
    ctx.log(`Figures: ${figures.map((f) => path.join(ctx.out, f)).join(', ')}`);
    const files = [OUTPUT_FILES.results, OUTPUT_FILES.resultsSchema, ...figures];
    return { output: { files, results }, files, summary: { files, final: finalValues(r.trained.history) } };
  },
  load(_r, record, ctx) {
    const results = JSON.parse(fs.readFileSync(outputPath(ctx.out, 'results'), 'utf8'), nonFiniteFromString) as Results;
    return Promise.resolve({ files: (record.summary as { files: string[] }).files, results });
  },
};
