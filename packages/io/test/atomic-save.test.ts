import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadModel, saveModel } from '../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { modelA, modelB } = require('./models.cjs') as {
  modelA: () => tfl.LayersModel;
  modelB: () => tfl.LayersModel;
};

const x = tf.tensor2d([
  [0.5, -1, 2, 0.25],
  [1, 1, -0.5, 3],
]);
const predict = (m: tfl.LayersModel) => Array.from((m.predict(x) as tf.Tensor).dataSync());

describe('saveModel is atomic', () => {
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-io-atomic-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a save killed (SIGKILL) before any of its file operations leaves the old model or the new one, loadable', async () => {
    const before = predict(modelA());
    const after = predict(modelB());
    const pristine = path.join(tmp, 'pristine');
    await saveModel(modelA(), pristine);
    const seen: string[] = [];
    for (let killAt = 1; killAt < 100; killAt++) {
      const dir = path.join(tmp, `kill-${killAt}`);
      fs.cpSync(pristine, dir, { recursive: true });
      const r = spawnSync(process.execPath, [path.join(__dirname, 'crash-child.cjs'), dir, String(killAt)], {
        encoding: 'utf8',
      });
      const finished = r.status === 0;
      expect(r.stderr).not.toMatch(/Error/);
      if (!finished) expect([killAt, r.signal]).toEqual([killAt, 'SIGKILL']);
      const reloaded = await loadModel(dir);
      const p = predict(reloaded);
      const which =
        JSON.stringify(p) === JSON.stringify(before)
          ? 'old'
          : JSON.stringify(p) === JSON.stringify(after)
            ? 'new'
            : 'mixed';
      expect([killAt, which]).not.toEqual([killAt, 'mixed']);
      seen.push(which);
      if (finished) {
        expect((JSON.parse(r.stdout) as { steps: number }).steps).toBe(killAt - 1);
        expect(which).toBe('new');
        expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
        break;
      }
    }
    // The crash points cover both sides of the switch: early kills keep the old model, late ones the new.
    expect(seen).toContain('old');
    expect(seen.filter((s) => s === 'new').length).toBeGreaterThan(1);
  });

  it('the next save removes what an interrupted save left behind', async () => {
    const dir = path.join(tmp, 'leftovers');
    await saveModel(modelA(), dir);
    fs.writeFileSync(path.join(dir, '.weights-abc123.bin'), 'partial');
    fs.writeFileSync(path.join(dir, '.model.json.123-abc.tmp'), '{');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await saveModel(modelB(), dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'notes.txt', 'weights.bin']);
  });
});
