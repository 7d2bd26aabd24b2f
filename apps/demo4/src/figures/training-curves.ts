/**
 * Training curves: loss, accuracy and MulticlassKR per epoch, training and
 * validation, with the notebook's own curves (dashed, from its printed log)
 * over the same epochs and its epoch-100 validation value as a reference line.
 */
import { lineChart, type Series } from './line-chart';
import NOTEBOOK_LOG from './notebook-history.json';
import { figureSpec } from './render';

/** One series per metric key: `history[key][epoch]`. */
export type History = Record<string, number[]>;

/** The panels drawn: title, train key, validation key. */
export const CURVE_PANELS: { title: string; train: string; val: string }[] = [
  { title: 'loss (MulticlassHKR)', train: 'loss', val: 'val_loss' },
  { title: 'accuracy', train: 'accuracy', val: 'val_accuracy' },
  { title: 'MulticlassKR', train: 'MulticlassKR', val: 'val_MulticlassKR' },
];

/** The notebook's training log (deel-lip 1.2.0, 100 epochs), parsed from its printed Keras lines. */
export const NOTEBOOK_HISTORY: History = NOTEBOOK_LOG.history;

/** Series names and colours (legend order). */
export const CURVE_COLORS: Record<string, string> = {
  training: '#1f77b4',
  validation: '#ff7f0e',
  'notebook, training': '#9ecae1',
  'notebook, validation': '#fdae6b',
};

const points = (values: number[] = []) => values.map((y, i) => ({ x: i + 1, y }));

/** The Vega-Lite specification of the three panels side by side. */
export function trainingCurvesSpec(history: History, subtitle = ''): ReturnType<typeof figureSpec> {
  const epochs = Math.max(1, ...CURVE_PANELS.map((p) => history[p.train]?.length ?? 0));
  const panels = CURVE_PANELS.map((p) => {
    const nb = (k: string) => (NOTEBOOK_HISTORY[k] ?? []).slice(0, epochs);
    const series: Series[] = [
      { name: 'training', points: points(history[p.train]) },
      { name: 'validation', points: points(history[p.val]) },
      { name: 'notebook, training', points: points(nb(p.train)), dashed: true },
      { name: 'notebook, validation', points: points(nb(p.val)), dashed: true },
    ];
    const nbVal = NOTEBOOK_HISTORY[p.val] ?? [];
    const final = nbVal[nbVal.length - 1];
    return lineChart({
      title: p.title,
      xTitle: 'epoch',
      yTitle: p.title.split(' ')[0]!,
      series,
      colors: CURVE_COLORS,
      integerX: true,
      references:
        final === undefined ? [] : [{ y: final, label: `notebook, validation, epoch 100: ${final.toFixed(4)}` }],
    });
  });
  return figureSpec({
    title: { text: 'demo4 training curves', subtitle },
    hconcat: panels,
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  });
}
