#!/usr/bin/env node
/**
 * Redraws a finished run's figures from its files alone: `node
 * apps/demo4/dist/redraw-figures.js DIR` reads DIR/results.json and, when
 * present, DIR/attack.json (the images), and writes the training curves — and
 * with the images the adversarial grid and report.html — into DIR. Results
 * written before the schema existed are read too (only the history, the
 * certificates and distances, and a few run details are used).
 */
import * as fs from 'fs';
import * as path from 'path';
import { renderFigure } from './figures/render';
import { trainingCurvesSpec } from './figures/training-curves';
import { writeFileAtomic } from './pipeline/atomic-write';
import { nonFiniteFromString } from './pipeline/json-numbers';
import { OUTPUT_FILES } from './pipeline/output-files';
import { runDescription } from './report/demo4-report';
import type { Results } from './report/results-types';
import { readAttackImages } from './stages/attack';
import { writeFigures } from './stages/report';

/** Redraws the figures of the run in `dir`; returns the files written. */
export async function redrawFigures(dir: string): Promise<string[]> {
  const file = path.join(dir, OUTPUT_FILES.results);
  if (!fs.existsSync(file)) throw new Error(`redraw-figures: no ${file}. Pass the --out folder of a finished run.`);
  const results = JSON.parse(fs.readFileSync(file, 'utf8'), nonFiniteFromString) as Results;
  const attack = path.join(dir, OUTPUT_FILES.attack);
  if (fs.existsSync(attack)) return writeFigures(results, readAttackImages(attack), dir);
  const curves = await renderFigure(trainingCurvesSpec(results.training.history, runDescription(results)));
  writeFileAtomic(path.join(dir, OUTPUT_FILES.curves), curves.png);
  writeFileAtomic(path.join(dir, OUTPUT_FILES.curvesSvg), curves.svg);
  return [OUTPUT_FILES.curves, OUTPUT_FILES.curvesSvg];
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write(
      'Usage: node apps/demo4/dist/redraw-figures.js DIR   (DIR: the --out folder of a finished run)\n',
    );
    process.exitCode = 2;
  } else {
    redrawFigures(path.resolve(dir)).then(
      (files) => process.stdout.write(`Wrote ${files.map((f) => path.join(dir, f)).join(', ')}\n`),
      (err: unknown) => {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  }
}
