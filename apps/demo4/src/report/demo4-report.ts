/**
 * demo4's figures and report from its results: the training curves, the
 * adversarial grid, and the HTML report with both and the results tables.
 * Everything is computed from results.json's content and attack.json's
 * images, so a finished run's figures can be redrawn from those two files.
 */
import { adversarialGridSpec, type GridSample } from '../figures/adversarial-grid';
import { robustAccuracyFigureSpec } from '../figures/robust-accuracy';
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

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const ratio = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');

/** Results against the notebook, with the proven and the nominal certificate checks. */
function resultsTable(r: Results): ReportContent['tables'][number] {
  const fin = r.training.final;
  const nb = (k: string) => NOTEBOOK_HISTORY[k]?.[NOTEBOOK_HISTORY[k].length - 1];
  const nc = r.attack.nominalCheck;
  return {
    caption: 'Results (last epoch) against the notebook (epoch 100)',
    columns: ['', 'this run', 'notebook'],
    rows: [
      ...['val_accuracy', 'val_MulticlassKR', 'val_loss', 'accuracy', 'MulticlassKR', 'loss'].map((k) => [
        k,
        f4(fin[k]),
        f4(nb(k)),
      ]),
      ['proven certificates below their C&W distance', `${r.check.respected} / ${r.check.total}`, '—'],
      ['tightest C&W distance / proven certificate', ratio(r.check.tightestRatio), '—'],
      ...(nc
        ? [
            ['nominal (top1 − top2)/2 below their C&W distance', `${nc.respected} / ${nc.total}`, '10 / 10'],
            ['tightest C&W distance / nominal certificate', ratio(nc.tightestRatio), '≈ 3.3'],
          ]
        : []),
    ],
  };
}

/** The proven bound: the layers that are not 1 by construction, the heads, the whole model. */
function boundTable(r: Results): ReportContent['tables'][number] | null {
  const b = r.bound;
  if (!b) return null;
  return {
    caption: `Proven Lipschitz bound of the exported model (convNormalization '${r.training.hyperparameters.convNormalization}'; GroupSort, L2-norm pooling and Flatten are 1)`,
    columns: ['', 'proven bound', 'estimate (power iteration / Lanczos)', 'how'],
    rows: [
      ...b.layers
        .filter((l) => l.bound !== 1 || l.estimate !== 1)
        .map((l) => [
          `${l.name} (${l.className}, ${l.inputShape.join('×')})`,
          l.bound.toFixed(6),
          l.estimate.toFixed(6),
          l.method,
        ]),
      ['each logit head f_i (max over i)', b.maxPerHead.toFixed(6), '', '‖w_i‖ × bound of the body'],
      [
        'each difference f_i − f_j (max)',
        b.maxPairwise.toFixed(6),
        '',
        '‖w_i − w_j‖ × bound of the body; the certificates use these',
      ],
      ['whole model', b.upperBound.toFixed(6), b.estimate.toFixed(6), 'product of the layer bounds'],
    ],
  };
}

/** Certified robust accuracy at the named radii, proven and nominal. */
function robustAccuracyTable(r: Results): ReportContent['tables'][number] | null {
  const c = r.certifiedRobustAccuracy;
  if (!c) return null;
  return {
    caption: `Certified robust accuracy on the ${c.samples} test images (clean accuracy ${pct(c.accuracy)})`,
    columns: ['ε (L2)', 'proven', 'nominal (top1 − top2)/2'],
    rows: c.highlights.map((h) => [
      `${h.label}${h.label.includes('/') ? ` = ${h.epsilon.toFixed(4)}` : ''}`,
      pct(h.proven),
      pct(h.nominal),
    ]),
  };
}

/** The report's tables: results against the notebook, the proven bound, robust accuracy, one row per attacked image. */
function tables(r: Results): ReportContent['tables'] {
  const a = r.attack;
  const perImage = {
    caption: 'Certified and attacked images',
    columns: [
      'class',
      'test image',
      'proven certificate',
      'nominal certificate',
      'C&W distance',
      'distance / proven certificate',
      'adversarial classified as',
    ],
    rows: a.certificates.map((c, i) => {
      const d = a.distances[i]!;
      const found = Number.isFinite(d);
      return [
        a.originalClasses[i]!,
        `#${a.selection.indices[i]}`,
        c.toFixed(4),
        a.nominalCertificates ? a.nominalCertificates[i]!.toFixed(4) : '—',
        found ? d.toFixed(4) : 'no adversarial found',
        found ? (d / c).toFixed(2) : '—',
        a.adversarialClasses[i]!,
      ];
    }),
  };
  return [resultsTable(r), boundTable(r), robustAccuracyTable(r), perImage].filter(
    (t): t is ReportContent['tables'][number] => t !== null,
  );
}

/** The two figures' specifications. */
export function demo4FigureSpecs(r: Results, imgs: AttackImages) {
  return {
    curves: trainingCurvesSpec(r.training.history, runDescription(r)),
    viz: adversarialGridSpec(gridSamples(r, imgs)),
    // absent in results written before schema version 2
    robustAccuracy: r.certifiedRobustAccuracy
      ? robustAccuracyFigureSpec(r.certifiedRobustAccuracy, runDescription(r))
      : undefined,
  };
}

/** The HTML report of a run. */
export function demo4HtmlReport(r: Results, specs: ReturnType<typeof demo4FigureSpecs>): string {
  const figures: ReportContent['figures'] = [
    {
      id: 'training-curves',
      caption: 'Loss, accuracy and MulticlassKR per epoch; dashed: the notebook’s own run (deel-lip 1.2.0).',
      spec: specs.curves,
    },
    {
      id: 'adversarial-viz',
      caption:
        'Each certificate is the proven radius min_j (f_c − f_j)/L_cj from the exported model’s proven Lipschitz bound: a lower bound of the L2 distance to any adversarial example; the attack’s distance must be above it.',
      spec: specs.viz,
    },
  ];
  if (specs.robustAccuracy)
    figures.push({
      id: 'robust-accuracy',
      caption:
        'Fraction of the test images correctly classified with a certificate above ε: solid, from the proven bound; dashed, from the notebook’s nominal (top1 − top2)/2, which assumes every head is 1-Lipschitz.',
      spec: specs.robustAccuracy,
    });
  return htmlReport({
    title: 'demo4: deel-lip Demo 4, HKR multiclass and fooling, on @lipnet',
    lines: [
      `${runDescription(r)}; convNormalization '${r.training.hyperparameters.convNormalization ?? 'deel-lip'}'; seed ${r.seed}; finished ${r.finishedAt}.`,
      ...(r.bound?.statement ?? []),
      'Drag or scroll a training-curve panel to zoom and pan; hover a point for its value.',
    ],
    tables: tables(r),
    figures,
  });
}
