import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { oneHot, scaleImages, toDataset, disposeDataset } from '../src/data/dataset';
import { CorruptDatasetError, DatasetNotFoundError } from '../src/errors';
import { downloadCacheDir, loadFashionMnist, searchLocations } from '../src/data/fashion-mnist';
import { idxBytes, tmpDir, writeTinyDataset } from './helpers';

describe('searchLocations', () => {
  it('searches --data-dir, $FASHION_MNIST_DIR, Keras, Debian, then the download cache', () => {
    const locs = searchLocations({ dataDir: '/a', env: { FASHION_MNIST_DIR: '/b' }, home: '/h' });
    expect(locs.map((l) => l.dir)).toEqual([
      '/a',
      '/b',
      '/h/.keras/datasets/fashion-mnist',
      '/usr/share/datasets/fashion-mnist',
      '/h/.cache/lipnet/fashion-mnist',
    ]);
    expect(locs.map((l) => l.source)).toEqual([
      '--data-dir',
      '$FASHION_MNIST_DIR',
      "Keras' cache",
      "Debian's dataset-fashion-mnist",
      "demo4's download cache",
    ]);
    expect(searchLocations({ env: {}, home: '/h' })).toHaveLength(3);
  });
});

describe('loadFashionMnist', () => {
  const home = tmpDir();
  const empty = tmpDir();
  const base = { env: {}, home, systemDir: empty, expectedCounts: { train: 12, test: 5 } };

  it('loads gzip and raw folders identically, first complete folder wins', async () => {
    const gz = path.join(tmpDir(), 'gz');
    const raw = path.join(tmpDir(), 'raw');
    writeTinyDataset(gz, 12, 5, true);
    writeTinyDataset(raw, 12, 5, false);
    const a = await loadFashionMnist({ ...base, dataDir: gz });
    const b = await loadFashionMnist({ ...base, env: { FASHION_MNIST_DIR: raw } });
    expect(a.location.source).toBe('--data-dir');
    expect(b.location.source).toBe('$FASHION_MNIST_DIR');
    expect(a.nTrain).toBe(12);
    expect(a.nTest).toBe(5);
    expect(Buffer.from(a.trainImages).equals(Buffer.from(b.trainImages))).toBe(true);
    expect(Array.from(a.trainLabels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(a.trainImages[784 * 3 + 28 * 2 + 5]).toBe(3 + 2 + 5);
    expect(a.checksums.trainImages.matchesPublished).toBe(false);
  });

  it('skips an incomplete --data-dir (reporting it) and falls through to the Keras cache', async () => {
    const partial = tmpDir();
    writeTinyDataset(partial, 12, 5, true);
    fs.rmSync(path.join(partial, 't10k-labels-idx1-ubyte.gz'));
    writeTinyDataset(path.join(home, '.keras', 'datasets', 'fashion-mnist'), 12, 5, false);
    const skipped: string[] = [];
    const d = await loadFashionMnist({ ...base, dataDir: partial, onSkip: (p) => skipped.push(p.location.dir) });
    expect(skipped).toEqual([partial]);
    expect(d.location.source).toBe("Keras' cache");
    fs.rmSync(path.join(home, '.keras'), { recursive: true });
  });

  it('lists every place searched and the fixes when nothing is found', async () => {
    const partial = tmpDir();
    fs.writeFileSync(path.join(partial, 'train-images-idx3-ubyte.gz'), '');
    let err: DatasetNotFoundError | undefined;
    try {
      await loadFashionMnist({ ...base, dataDir: partial, env: { FASHION_MNIST_DIR: '/nonexistent/fm' } });
    } catch (e) {
      err = e as DatasetNotFoundError;
    }
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err!.searched).toEqual([
      partial,
      '/nonexistent/fm',
      path.join(home, '.keras/datasets/fashion-mnist'),
      empty,
      downloadCacheDir(home),
    ]);
    const m = err!.message;
    expect(m).toContain(
      `${partial}  (--data-dir: missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])`,
    );
    expect(m).toContain('/nonexistent/fm  ($FASHION_MNIST_DIR: no such folder)');
    expect(m).toContain(`${empty}  (Debian's dataset-fashion-mnist: no Fashion-MNIST files)`);
    expect(m).toContain('apt-get install dataset-fashion-mnist');
    expect(m).toContain('--data-dir');
    expect(m).toContain('fashion_mnist.load_data()');
  });

  it('passes the download note into the message and uses the cache when the download succeeds', async () => {
    await expect(
      loadFashionMnist({
        ...base,
        download: () => Promise.resolve({ ok: false, note: 'tried http://x and failed (ENOTFOUND)' }),
      }),
    ).rejects.toThrow(/Download: tried http:\/\/x and failed \(ENOTFOUND\)/);
    const d = await loadFashionMnist({
      ...base,
      download: (cache) => {
        writeTinyDataset(cache, 12, 5, true);
        return Promise.resolve({ ok: true, note: 'ok' });
      },
    });
    expect(d.location.dir).toBe(downloadCacheDir(home));
    fs.rmSync(downloadCacheDir(home), { recursive: true });
  });

  it('stops at a corrupt file instead of skipping it, naming the file', async () => {
    const dir = tmpDir();
    writeTinyDataset(dir, 12, 5, false);
    const f = path.join(dir, 'train-labels-idx1-ubyte');
    fs.writeFileSync(f, idxBytes([12], new Uint8Array(11))); // one label short
    await expect(loadFashionMnist({ ...base, dataDir: dir })).rejects.toThrow(CorruptDatasetError);
    await expect(loadFashionMnist({ ...base, dataDir: dir })).rejects.toThrow(
      `${f} is not a valid IDX file: truncated data`,
    );
    fs.writeFileSync(f, idxBytes([11], new Uint8Array(11)));
    await expect(loadFashionMnist({ ...base, dataDir: dir })).rejects.toThrow(/wrong item count 11, expected 12/);
  });

  const debian = '/usr/share/datasets/fashion-mnist';
  (fs.existsSync(debian) ? it : it.skip)(
    'reads the real Debian copy: published checksums of the decompressed files match',
    async () => {
      const d = await loadFashionMnist({ env: {}, home, systemDir: debian });
      expect(d.nTrain).toBe(60000);
      expect(d.nTest).toBe(10000);
      for (const c of Object.values(d.checksums)) expect(c.matchesPublished).toBe(true);
      // first training label of Fashion-MNIST is 9 (Ankle boot), first test label 9 too
      expect(d.trainLabels[0]).toBe(9);
      expect(d.testLabels[0]).toBe(9);
    },
  );
});

describe('scaling and one-hot', () => {
  it('divides by 255 into [0, 1] like NumPy x / 255', () => {
    const s = scaleImages(Uint8Array.from([0, 1, 128, 255]));
    expect(Array.from(s)).toEqual([0, Math.fround(1 / 255), Math.fround(128 / 255), 1]);
  });
  it('one-hot encodes like to_categorical', () => {
    expect(Array.from(oneHot(Uint8Array.from([2, 0]), 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot(Uint8Array.from([3]), 3)).toThrow(/label 3 at index 0 is ≥ numClasses 3/);
  });
  it('builds NHWC tensors and keeps the first --train-limit images', async () => {
    const dir = tmpDir();
    writeTinyDataset(dir, 12, 5, true);
    const raw = await loadFashionMnist({
      dataDir: dir,
      env: {},
      home: tmpDir(),
      systemDir: tmpDir(),
      expectedCounts: { train: 12, test: 5 },
    });
    const d = toDataset(raw, 7);
    expect(d.xTrain.shape).toEqual([7, 28, 28, 1]);
    expect(d.yTrain.shape).toEqual([7, 10]);
    expect(d.xTest.shape).toEqual([5, 28, 28, 1]);
    const x = await d.xTrain.data();
    expect(x[784 * 6 + 28 * 1 + 1]).toBeCloseTo((6 + 1 + 1) / 255, 7);
    const y = await d.yTrain.array();
    expect(y[6]!.indexOf(1)).toBe(6);
    expect(tf.sum(d.yTrain).arraySync()).toBe(7);
    disposeDataset(d);
  });
});
