/**
 * Figures from Vega-Lite specifications: the notebook's log as parsed, the
 * difference map and image encoding, the labels of the adversarial grid, and
 * what the rendered SVG and PNG contain (titles, legends, the notebook's
 * reference values, images, text drawn with the bundled DejaVu font).
 */
import { PNG } from 'pngjs';
import { adversarialGridSpec, comparisonLabel, type GridSample } from '../src/figures/adversarial-grid';
import { differenceMap, imagePng } from '../src/figures/image-png';
import { lineChart } from '../src/figures/line-chart';
import { figureSpec, FIGURE_FONT, renderFigure, svgToPng } from '../src/figures/render';
import { robustAccuracyFigureSpec } from '../src/figures/robust-accuracy';
import { CURVE_COLORS, NOTEBOOK_HISTORY, trainingCurvesSpec } from '../src/figures/training-curves';

const decode = (buf: Buffer) => PNG.sync.read(buf);
const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
/** Pixels within `tol` of colour `c`. */
function countColour(png: PNG, c: number[], tol = 0): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if ([0, 1, 2].every((k) => Math.abs(png.data[i + k]! - c[k]!) <= tol)) n++;
  return n;
}

describe('the notebook log', () => {
  it('holds the 100 epochs the notebook printed (first and last lines)', () => {
    for (const k of ['loss', 'accuracy', 'MulticlassKR', 'val_loss', 'val_accuracy', 'val_MulticlassKR'])
      expect(NOTEBOOK_HISTORY[k]).toHaveLength(100);
    expect(NOTEBOOK_HISTORY['loss']![0]).toBe(39.198);
    expect(NOTEBOOK_HISTORY['val_accuracy']![0]).toBe(0.4333);
    expect(NOTEBOOK_HISTORY['val_accuracy']![99]).toBe(0.8387);
    expect(NOTEBOOK_HISTORY['val_MulticlassKR']![99]).toBe(1.8466);
  });
});

describe('images', () => {
  it('difference map: red = removed, green = added, scaled by its max', () => {
    const d = differenceMap(Float32Array.from([0.5, 0.5, 0.5]), Float32Array.from([0.3, 0.9, 0.5]));
    expect(Array.from(d).map((v) => +v.toFixed(5))).toEqual([0.5, 0, 0, 0, 1, 0, 0, 0, 0]);
  });
  it('encodes a grey image as a PNG whose pixels are the values, each a scale×scale block', () => {
    const png = decode(imagePng(Float32Array.from([0, 1, 0.5, 0.25]), 2, 1, 3));
    expect([png.width, png.height]).toEqual([6, 6]);
    const at = (x: number, y: number) => Array.from(png.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    expect(at(0, 0)).toEqual([0, 0, 0, 255]);
    expect(at(5, 2)).toEqual([255, 255, 255, 255]);
    expect(at(2, 3)).toEqual([128, 128, 128, 255]);
    expect(at(4, 5)).toEqual([64, 64, 64, 255]);
  });
});

describe('adversarial grid', () => {
  it('says how each certificate compares with its attack distance, never "Infinity"', () => {
    expect(comparisonLabel(0.4123, 1.2345)).toBe('certificate 0.41 < CW distance 1.23 (×3.0)');
    expect(comparisonLabel(0.5, Infinity)).toBe('certificate 0.50; the attack found no adversarial');
    expect(comparisonLabel(0.5, 0.3)).toBe('certificate 0.50 ≥ CW distance 0.30 — VIOLATED');
  });

  it('renders every image, the classes and the comparisons', async () => {
    const img = (k: number) => Float32Array.from({ length: 784 }, (_, i) => ((i + k) % 28) / 28);
    const samples: GridSample[] = Array.from({ length: 10 }, (_, k) => ({
      image: img(k),
      adv: img(k).map((v, i) => Math.min(1, Math.max(0, v + (i % 2 ? 0.2 : -0.2)))),
      origClass: `class ${k}`,
      advClass: k === 4 ? `class ${k}` : 'Shirt',
      testIndex: 10 + k,
      certificate: 0.2283156 + k / 100,
      distance: k === 3 ? Infinity : 1.1371366,
    }));
    const f = await renderFigure(adversarialGridSpec(samples));
    expect(f.svg.match(/<image /g)).toHaveLength(30);
    expect(f.svg).toContain('certificate 0.23 &lt; CW distance 1.14 (×5.0)');
    expect(f.svg).toContain('certificate 0.26; the attack found no adversarial');
    expect(f.svg).toContain('class 1 → Shirt');
    expect(f.svg).toContain('still class 4');
    expect(f.svg).toContain('10. class 9 (test #19)');
    expect(f.svg).not.toMatch(/Infinity/);
    const png = decode(f.png);
    expect(png.height).toBeGreaterThan(10 * 84);
    // the difference maps' pure red and pure green pixels made it into the PNG
    expect(countColour(png, [255, 0, 0])).toBeGreaterThan(1000);
    expect(countColour(png, [0, 255, 0])).toBeGreaterThan(1000);
  }, 60000);
});

describe('training curves', () => {
  const history = {
    loss: [39.2, 24.6, 17.6],
    val_loss: [28.0, 19.2, 15.3],
    accuracy: [0.2, 0.51, 0.6],
    val_accuracy: [0.43, 0.58, 0.61],
    MulticlassKR: [0.07, 0.26, 0.41],
    val_MulticlassKR: [0.21, 0.36, 0.49],
  };
  it('three panels with axes, a legend, and the notebook’s curves and epoch-100 values', async () => {
    const f = await renderFigure(trainingCurvesSpec(history, '3 epochs'));
    for (const t of [
      'loss (MulticlassHKR)',
      'accuracy',
      'MulticlassKR',
      'epoch',
      'training',
      'validation',
      'notebook, validation',
    ])
      expect(f.svg).toContain(`>${t}<`);
    expect(f.svg).toContain('notebook, validation, epoch 100: 0.8387');
    expect(f.svg).toContain('notebook, validation, epoch 100: 1.8466');
    const png = decode(f.png);
    expect(countColour(png, hex(CURVE_COLORS['training']!), 2)).toBeGreaterThan(200);
    expect(countColour(png, hex(CURVE_COLORS['validation']!), 2)).toBeGreaterThan(200);
  }, 60000);

  it('lineChart is a reusable view: any series, reference lines, integer x', async () => {
    const spec = figureSpec(
      lineChart({
        title: 'robust accuracy',
        xTitle: 'ε',
        yTitle: 'accuracy',
        series: [{ name: 'certified', points: [0, 0.5, 1].map((x) => ({ x, y: 1 - x / 2 })) }],
        references: [{ y: 0.9, label: 'clean 0.90' }],
      }),
    );
    const f = await renderFigure(spec);
    for (const t of ['robust accuracy', 'certified', 'clean 0.90', 'ε']) expect(f.svg).toContain(t);
  }, 60000);
});

describe('certified robust accuracy', () => {
  it('the proven and the nominal curves against ε, a legend naming them and the notebook’s ε = 36/255', async () => {
    const epsilons = [0, 36 / 255, 0.25, 0.5, 1, 1.5];
    const curve = {
      epsilons,
      proven: [0.8, 0.7, 0.6, 0.4, 0.1, 0],
      nominal: [0.8, 0.72, 0.62, 0.42, 0.12, 0.01],
      samples: 10000,
      accuracy: 0.8,
      assumptions: { proven: '', nominal: '' },
    };
    const f = await renderFigure(robustAccuracyFigureSpec(curve, '100 epochs'));
    for (const t of [
      'Certified robust accuracy on the 10000 test images',
      '100 epochs',
      'proven (lipschitzUpperBound)',
      'nominal (top1 − top2)/2',
      'ε = 36/255',
      'certified robust accuracy',
    ])
      expect(f.svg).toContain(`>${t}<`);
    // the proven curve solid, the nominal one dashed (line, points and legend symbol)
    expect(f.svg.match(/stroke-dasharray="1,0"/g)!.length).toBeGreaterThan(epsilons.length);
    expect(f.svg.match(/stroke-dasharray="6,4"/g)!.length).toBeGreaterThan(epsilons.length);
    const png = decode(f.png);
    expect(countColour(png, hex('#4c78a8'), 2)).toBeGreaterThan(200);
    expect(countColour(png, hex('#f58518'), 2)).toBeGreaterThan(100);
  }, 60000);
});

describe('PNG text', () => {
  it('is drawn with the bundled DejaVu font, with no system fonts', () => {
    const svg = (t: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><rect width="60" height="30" fill="white"/><text x="4" y="22" font-family="sans-serif" font-size="20">${t}</text></svg>`;
    const dark = (png: PNG) => countColour(png, [0, 0, 0], 100);
    expect(FIGURE_FONT.files.every((f) => f.endsWith('.ttf'))).toBe(true);
    expect(dark(decode(svgToPng(svg(''), 1)))).toBe(0);
    expect(dark(decode(svgToPng(svg('Hg'), 1)))).toBeGreaterThan(40);
  });
});
