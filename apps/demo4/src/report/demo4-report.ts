/**
 * demo4's figures and report from its results: the training curves, the
 * adversarial grid, and the HTML report with both and the results tables.
 * Everything is computed from results.json's content and attack.json's
 * images, so a finished run's figures can be redrawn from those two files.
 */
import { adversarialGridSpec, type GridSample } from '../figures/adversarial-grid';
import { NOTEBOOK_HISTORY, trainingCurvesSpec } from '../figures/training-curves';
import { htmlReport, type ReportContent } from './html-report';
import type { Results } from './results-types';

/** The attack's images (attack.json), class order. */
export interface AttackImages {
  images: Float32Array[];
  adversarials: Float32Array[];
}

/** The rows of the adversarial grid. */
export function gridSamples(r: Results, imgs: AttackImages): GridSample[] {
  const a = r.attack;
  return imgs.images.map((image, i) => ({
    image,
    adv: imgs.adversarials[i]!,
    origClass: a.originalClasses[i]!,
    advClass: a.adversarialClasses[i]!,
    testIndex: a.selection.indices[i]!,
    certificate: a.certificates[i]!,
    distance: a.distances[i]!,
  }));
}

/** "100 epochs, 60000 training images, batch 4096, wasm". */
export function runDescription(r: Results): string {
  const t = r.training;
  const e = t.history['loss']?.length ?? 0;
  return `${e} epoch${e === 1 ? '' : 's'}, ${r.data.nTrainUsed} training images, batch ${t.hyperparameters.batchSize}, ${r.backend.name} backend`;
}

const f4 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));

/** The report's tables: results against the notebook, then one row per attacked image. */
function tables(r: Results): ReportContent['tables'] {
  const fin = r.training.final;
  const nb = (k: string) => NOTEBOOK_HISTORY[k]?.[NOTEBOOK_HISTORY[k].length - 1];
  const a = r.attack;
  return [
    {
      caption: 'Results (last epoch) against the notebook (epoch 100)',
      columns: ['', 'this run', 'notebook'],
      rows: [
        ...['val_accuracy', 'val_MulticlassKR', 'val_loss', 'accuracy', 'MulticlassKR', 'loss'].map((k) => [
          k,
          f4(fin[k]),
          f4(nb(k)),
        ]),
        ['certificates below their C&W distance', `${r.check.respected} / ${r.check.total}`, '10 / 10'],
        [
          'tightest C&W distance / certificate',
          Number.isFinite(r.check.tightestRatio) ? r.check.tightestRatio.toFixed(2) : '—',
          '≈ 3.3',
        ],
      ],
    },
    {
      caption: 'Certified and attacked images',
      columns: [
        'class',
        'test image',
        'certificate',
        'C&W distance',
        'distance / certificate',
        'adversarial classified as',
      ],
      rows: a.certificates.map((c, i) => {
        const d = a.distances[i]!;
        const found = Number.isFinite(d);
        return [
          a.originalClasses[i]!,
          `#${a.selection.indices[i]}`,
          c.toFixed(4),
          found ? d.toFixed(4) : 'no adversarial found',
          found ? (d / c).toFixed(2) : '—',
          a.adversarialClasses[i]!,
        ];
      }),
    },
  ];
}

/** The two figures' specifications. */
export function demo4FigureSpecs(r: Results, imgs: AttackImages) {
  return {
    curves: trainingCurvesSpec(r.training.history, runDescription(r)),
    viz: adversarialGridSpec(gridSamples(r, imgs)),
  };
}

/** The HTML report of a run. */
export function demo4HtmlReport(r: Results, specs: ReturnType<typeof demo4FigureSpecs>): string {
  return htmlReport({
    title: 'demo4: deel-lip Demo 4, HKR multiclass and fooling, on @lipnet',
    lines: [
      `${runDescription(r)}; seed ${r.seed}; finished ${r.finishedAt}.`,
      'Drag or scroll a training-curve panel to zoom and pan; hover a point for its value.',
    ],
    tables: tables(r),
    figures: [
      {
        id: 'training-curves',
        caption: 'Loss, accuracy and MulticlassKR per epoch; dashed: the notebook’s own run (deel-lip 1.2.0).',
        spec: specs.curves,
      },
      {
        id: 'adversarial-viz',
        caption:
          'Each certificate (top1 − top2)/2 is a proven lower bound of the L2 distance to any adversarial example; the attack’s distance must be above it.',
        spec: specs.viz,
      },
    ],
  });
}
