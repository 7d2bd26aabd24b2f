import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { PackedImagesError, decodePackedImages, encodePackedImages, imageAsFloats } from '../src/data/packed-images';
import { PUBLIC_DIR } from './node-reference';

const DATASET = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

function idx(file: string): Buffer {
  const p = path.join(DATASET, file + '.gz');
  if (!fs.existsSync(p))
    throw new Error(`${p} not found: apt-get install dataset-fashion-mnist or set FASHION_MNIST_DIR.`);
  return zlib.gunzipSync(fs.readFileSync(p));
}

describe('packed image format', () => {
  const sample = {
    n: 2,
    rows: 2,
    cols: 3,
    labels: Uint8Array.from([7, 1]),
    pixels: Uint8Array.from([0, 1, 2, 3, 4, 255, 9, 8, 7, 6, 5, 4]),
  };

  test('round-trips images and labels', () => {
    const back = decodePackedImages(encodePackedImages(sample));
    expect(back).toEqual(sample);
    expect(Array.from(imageAsFloats(back, 0))).toEqual([0, 1, 2, 3, 4, 255].map((v) => Math.fround(v / 255)));
  });

  test('refuses truncated, foreign and future files with a message that says what to do', () => {
    const bytes = encodePackedImages(sample);
    expect(() => decodePackedImages(bytes.slice(0, bytes.length - 1), 'x.bin')).toThrow(
      /x\.bin: .*truncated or corrupt.*pnpm --filter playground data/,
    );
    expect(() => decodePackedImages(bytes.slice(0, 10), 'x.bin')).toThrow(/shorter than the 20-byte header/);
    expect(() => decodePackedImages(new TextEncoder().encode('<!doctype html><html></html>'), 'x.bin')).toThrow(
      /not the magic "LPIM"/,
    );
    const v2 = bytes.slice();
    v2[4] = 2;
    expect(() => decodePackedImages(v2, 'x.bin')).toThrow(PackedImagesError);
    expect(() => encodePackedImages({ ...sample, n: 3 })).toThrow(/expected 3 labels/);
    expect(() => imageAsFloats(sample, 2)).toThrow(/index in 0…1, got 2/);
  });
});

describe('the shipped data', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(PUBLIC_DIR, 'data/manifest.json'), 'utf8')) as Record<
    'test' | 'train',
    { file: string; count: number; sha256: string }
  >;

  test.each(['test', 'train'] as const)(
    '%s: the first images of Fashion-MNIST, byte for byte, as the manifest says',
    (split) => {
      const m = manifest[split];
      const bytes = new Uint8Array(fs.readFileSync(path.join(PUBLIC_DIR, 'data', m.file)));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      const packed = decodePackedImages(bytes, m.file);
      expect([packed.n, packed.rows, packed.cols]).toEqual([m.count, 28, 28]);
      const prefix = split === 'test' ? 't10k' : 'train';
      const images = idx(`${prefix}-images-idx3-ubyte`);
      const labels = idx(`${prefix}-labels-idx1-ubyte`);
      expect(Buffer.from(packed.pixels).equals(images.subarray(16, 16 + m.count * 784))).toBe(true);
      expect(Buffer.from(packed.labels).equals(labels.subarray(8, 8 + m.count))).toBe(true);
    },
  );
});
