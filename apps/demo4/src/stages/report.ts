/**
 * Stage `report`: the figures (the notebook's adversarial grid, the training
 * curves) and results.json, from the outputs of every earlier stage.
 */
import * as path from 'path';
import { writeFileAtomic } from '../pipeline/atomic-write';
import { stringifyWithNonFinite } from '../pipeline/json-numbers';
import { OUTPUT_FILES, outputPath } from '../pipeline/output-files';
import type { Stage } from '../pipeline/stage';
import { adversarialViz } from '../figures/adversarial-viz';
import { trainingCurves, trainingCurvesHtml } from '../figures/training-curves';
import { buildResults, finalValues, type Results, type ResultsInput } from '../report/results';

/** What the report stage wrote, and the numbers of the final line. */
export interface ReportOutput {
  files: string[];
  results: Results;
}

/** Writes the figures of `r` into `out`; returns their file names. */
function writeFigures(r: ResultsInput, out: string): string[] {
  const { certified: c, attacked: a } = r;
  writeFileAtomic(
    outputPath(out, 'viz'),
    adversarialViz(
      a.images.map((image, i) => ({
        image,
        adv: a.adversarials[i]!,
        origClass: c.classNames[i]!,
        advClass: a.adversarialClasses[i]!,
        certificate: c.certificates[i]!,
        distance: a.distances[i]!,
      })),
    ).toPng(),
  );
  const hist = r.trained.history;
  writeFileAtomic(outputPath(out, 'curves'), trainingCurves(hist).toPng());
  const title = `demo4 training curves (${r.trained.epochs} epochs, ${r.data.report.nTrainUsed} images, batch ${r.options.batchSize})`;
  writeFileAtomic(outputPath(out, 'curvesHtml'), trainingCurvesHtml(hist, title));
  return [OUTPUT_FILES.viz, OUTPUT_FILES.curves, OUTPUT_FILES.curvesHtml];
}

/** report → figures and results.json. Reused on resume when nothing before it changed. */
export const reportStage: Stage<ResultsInput, ReportOutput> = {
  name: 'report',
  writes: true,
  key: () => ({}),
  run(r, ctx) {
    const figures = writeFigures(r, ctx.out);
    ctx.log(`Figures: ${figures.map((f) => path.join(ctx.out, f)).join(', ')}`);
    const results = buildResults(r);
    writeFileAtomic(outputPath(ctx.out, 'results'), stringifyWithNonFinite(results));
    ctx.log(`Results: ${outputPath(ctx.out, 'results')}`);
    const files = [...figures, OUTPUT_FILES.results];
    return Promise.resolve({
      output: { files, results },
      files,
      summary: { files, final: finalValues(r.trained.history) },
    });
  },
  load(r, record) {
    return Promise.resolve({ files: (record.summary as { files: string[] }).files, results: buildResults(r) });
  },
};
