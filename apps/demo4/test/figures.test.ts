import { PNG } from 'pngjs';
import { adversarialViz, differenceMap, vizSize, type VizSample } from '../src/adversarial-viz';
import { Canvas } from '../src/canvas';
import { ADVANCE, glyph, glyphPixel, textWidth } from '../src/font';
import {
  CURVES_LAYOUT,
  curvesSize,
  niceTicks,
  trainingCurves,
  trainingCurvesHtml,
  TRAIN_COLOR,
  VAL_COLOR,
} from '../src/training-curves';

const decode = (buf: Buffer) => PNG.sync.read(buf);
const countColour = (png: PNG, c: readonly number[], x0 = 0, y0 = 0, x1 = png.width, y1 = png.height) => {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] === c[0] && png.data[i + 1] === c[1] && png.data[i + 2] === c[2]) n++;
    }
  }
  return n;
};

describe('5×7 font', () => {
  it('has a distinct glyph for every printable ASCII character', () => {
    const seen = new Map<string, string>();
    for (let c = 0x21; c <= 0x7e; c++) {
      const ch = String.fromCharCode(c);
      const key = glyph(ch).join(',');
      expect(glyph(ch)).toHaveLength(7);
      expect(glyph(ch).every((r) => r >= 0 && r < 32)).toBe(true);
      expect(key).not.toBe('0,0,0,0,0,0,0');
      expect(seen.get(key)).toBeUndefined();
      seen.set(key, ch);
    }
  });
  it('draws the pixels of its table: "T" is a full top bar and a centre stem', () => {
    expect([0, 1, 2, 3, 4].every((x) => glyphPixel('T', x, 0))).toBe(true);
    expect([1, 2, 3, 4, 5, 6].every((y) => glyphPixel('T', 2, y) && !glyphPixel('T', 0, y))).toBe(true);
    const c = new Canvas(20, 10);
    c.text(1, 1, 'T', [0, 0, 0], 2);
    expect(c.get(1, 1)).toEqual([0, 0, 0]); // top-left of the bar
    expect(c.get(1, 4)).toEqual([255, 255, 255]); // below the bar, left of the stem
    expect(c.get(5, 9)).toEqual([0, 0, 0]); // the stem at scale 2
    expect(textWidth('ab', 2)).toBe((2 * ADVANCE - 1) * 2);
  });
});

describe('PNG canvas', () => {
  it('encodes a valid PNG of its size whose pixels decode back', () => {
    const c = new Canvas(7, 5, [10, 20, 30]);
    c.set(3, 2, [200, 100, 50]);
    const png = decode(c.toPng());
    expect([png.width, png.height]).toEqual([7, 5]);
    const i = (2 * 7 + 3) * 4;
    expect(Array.from(png.data.subarray(i, i + 3))).toEqual([200, 100, 50]);
    expect(Array.from(png.data.subarray(0, 3))).toEqual([10, 20, 30]);
  });
  it('rejects a non-integer size', () => {
    expect(() => new Canvas(2.5, 3)).toThrow(/expected positive integer width and height, got 2.5×3/);
  });
});

describe('adversarial_viz', () => {
  const img = (f: (i: number) => number) => Float32Array.from({ length: 784 }, (_, i) => f(i));
  const samples: VizSample[] = Array.from({ length: 10 }, (_, k) => ({
    image: img((i) => ((i + k) % 28) / 28),
    adv: img((i) => Math.min(1, ((i + k) % 28) / 28 + (i % 2 ? 0.2 : -0.1))),
    origClass: 'Trouser',
    advClass: k % 2 ? 'Dress' : 'Trouser',
    certificate: 0.2283156,
    distance: 1.1371366,
  }));

  it('difference map: red = removed, green = added, scaled by its max', () => {
    const d = differenceMap(Float32Array.from([0.5, 0.5, 0.5]), Float32Array.from([0.3, 0.9, 0.5]));
    expect(Array.from(d).map((v) => +v.toFixed(5))).toEqual([0.5, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('is a 10 × 3 grid PNG of the expected size with titles drawn', () => {
    const c = adversarialViz(samples);
    const png = decode(c.toPng());
    expect({ width: png.width, height: png.height }).toEqual(vizSize(10));
    // title rows hold black text pixels; the image area below them holds the images
    expect(countColour(png, [0, 0, 0], 0, 0, png.width, 22)).toBeGreaterThan(200);
    // a misclassified adversarial's title is dark red
    expect(countColour(png, [170, 0, 0])).toBeGreaterThan(100);
    // the difference maps contain pure red and pure green pixels
    expect(countColour(png, [255, 0, 0]) + countColour(png, [0, 255, 0])).toBeGreaterThan(1000);
  });
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
  it('nice ticks cover the range with round steps', () => {
    expect(niceTicks(0.07, 0.49)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(15.3, 39.2)).toEqual([15, 20, 25, 30, 35, 40]);
    expect(niceTicks(1, 1).length).toBeGreaterThan(1);
  });
  it('draws three panels with train and validation lines', () => {
    const png = decode(trainingCurves(history).toPng());
    expect({ width: png.width, height: png.height }).toEqual(curvesSize());
    for (let k = 0; k < 3; k++) {
      const x0 = k * CURVES_LAYOUT.panelW;
      expect(countColour(png, TRAIN_COLOR, x0, 0, x0 + CURVES_LAYOUT.panelW)).toBeGreaterThan(100);
      expect(countColour(png, VAL_COLOR, x0, 0, x0 + CURVES_LAYOUT.panelW)).toBeGreaterThan(100);
      expect(countColour(png, [0, 0, 0], x0, 0, x0 + CURVES_LAYOUT.panelW, 30)).toBeGreaterThan(50); // title
    }
  });
  it('handles a single epoch (markers, no lines) and writes an SVG page', () => {
    const one = Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v.slice(0, 1)]));
    const png = decode(trainingCurves(one).toPng());
    expect(countColour(png, VAL_COLOR)).toBeGreaterThan(3 * 20);
    const html = trainingCurvesHtml(history);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<polyline /g)).toHaveLength(6);
    expect(html).toContain('val_MulticlassKR epoch 3: 0.4900');
  });
});
