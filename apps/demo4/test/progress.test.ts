import { formatBar, formatEta, formatMetric, formatPerUnit, Progbar } from '../src/training/progress';

describe('Keras-style progress', () => {
  it('formats like Keras Progbar', () => {
    expect(formatBar(15, 15)).toBe(`15/15 [${'='.repeat(30)}]`);
    expect(formatBar(7, 15)).toBe(` 7/15 [${'='.repeat(13)}>${'.'.repeat(16)}]`);
    expect(formatBar(0, 15)).toBe(` 0/15 [${'.'.repeat(30)}]`);
    expect(formatPerUnit(0.122)).toBe('122ms/step');
    expect(formatPerUnit(1.4)).toBe('1s/step');
    expect(formatPerUnit(0.0004)).toBe('400us/step');
    expect(formatMetric(39.198)).toBe('39.1980');
    expect(formatMetric(0.0001234)).toBe('1.2340e-4');
    expect(formatEta(75)).toBe('1:15');
    expect(formatEta(3725)).toBe('1:02:05');
  });
  it('prints one line per epoch when not a TTY, with time and per-step time', () => {
    let out = '';
    let t = 0;
    const bar = new Progbar(15, { sink: { write: (s: string) => (out += s) }, now: () => t });
    for (let s = 1; s <= 15; s++) {
      t += 0.08;
      bar.update(s, [['loss', 1]]);
    }
    t += 3.8;
    bar.finish([
      ['loss', 4.1035],
      ['accuracy', 0.8469],
    ]);
    expect(out).toBe(`15/15 [${'='.repeat(30)}] - 5s 333ms/step - loss: 4.1035 - accuracy: 0.8469\n`);
  });
  it('redraws in place on a TTY', () => {
    let out = '';
    let t = 0;
    const bar = new Progbar(4, { sink: { write: (s: string) => (out += s), isTTY: true }, now: () => t });
    for (let s = 1; s <= 4; s++) {
      t += 1;
      bar.update(s, [['loss', s]]);
    }
    bar.finish([['loss', 2]]);
    expect(out.split('\r').length).toBe(5); // 3 live redraws + the final line
    expect(out).toContain(`2/4 [${'='.repeat(14)}>${'.'.repeat(15)}] - ETA: 2s - loss: 2.0000`);
    expect(out.endsWith(`4/4 [${'='.repeat(30)}] - 4s 1s/step - loss: 2.0000\n`)).toBe(true);
  });
});
