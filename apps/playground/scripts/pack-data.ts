/**
 * Packs the Fashion-MNIST images the playground ships: the first `--test N`
 * (default 500) test images and the first `--train N` (default 2000) training
 * images, read from the original IDX files, written as `public/data/*.bin` in
 * the packed format of `src/data/packed-images.ts`, with `manifest.json`
 * (counts, sources and SHA-256 of every file).
 *
 * Usage: pnpm --filter playground data [--data-dir DIR] [--test N] [--train N]
 * DIR defaults to $FASHION_MNIST_DIR, then /usr/share/datasets/fashion-mnist
 * (Debian's dataset-fashion-mnist).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decodePackedImages, encodePackedImages } from '../src/data/packed-images';
import { parseFlags } from './flags';

const FILES = {
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
} as const;

/** Reads an IDX file (`.gz` or raw): returns its dimensions and the uint8 payload. */
function readIdx(dir: string, base: string): { dims: number[]; data: Uint8Array; file: string } {
  const candidates = [path.join(dir, base + '.gz'), path.join(dir, base)];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new Error(
      `pack-data: ${base}(.gz) not found in ${dir}. Pass --data-dir, set FASHION_MNIST_DIR, or apt-get install dataset-fashion-mnist.`,
    );
  }
  let buf = fs.readFileSync(file);
  if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) {
    throw new Error(
      `pack-data: ${file} is not an unsigned-byte IDX file (magic ${buf.subarray(0, 4).toString('hex')}).`,
    );
  }
  const rank = buf[3]!;
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== start + size) {
    throw new Error(`pack-data: ${file} announces ${dims.join('×')} bytes but holds ${buf.length - start}; truncated?`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + start, size), file };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function pack(dir: string, split: 'test' | 'train', n: number, outDir: string) {
  const images = readIdx(dir, FILES[split][0]);
  const labels = readIdx(dir, FILES[split][1]);
  const [total, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== total) throw new Error(`pack-data: ${split}: ${total} images but ${labels.dims[0]} labels.`);
  if (n > total) throw new Error(`pack-data: --${split} ${n} is more than the ${total} ${split} images.`);
  const bytes = encodePackedImages({
    n,
    rows,
    cols,
    labels: labels.data.slice(0, n),
    pixels: images.data.slice(0, n * rows * cols),
  });
  decodePackedImages(bytes, split); // self-check
  const name = `fashion-mnist-${split}-${n}.bin`;
  fs.writeFileSync(path.join(outDir, name), bytes);
  console.log(`pack-data: wrote ${name} (${bytes.length} bytes: images 0…${n - 1} of ${path.basename(images.file)})`);
  return {
    file: name,
    split,
    count: n,
    firstIndex: 0,
    bytes: bytes.length,
    sha256: sha256(bytes),
    source: { images: path.basename(images.file), labels: path.basename(labels.file) },
  };
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2), { 'data-dir': 'string', test: 'int', train: 'int' }, 'pack-data');
  const dir =
    (flags['data-dir'] as string | undefined) ?? process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  const outDir = path.resolve('public/data');
  fs.mkdirSync(outDir, { recursive: true });
  const test = pack(dir, 'test', (flags.test as number | undefined) ?? 500, outDir);
  const train = pack(dir, 'train', (flags.train as number | undefined) ?? 2000, outDir);
  const manifest = {
    dataset: 'Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), original IDX files',
    generatedBy: 'apps/playground/scripts/pack-data.ts (pnpm --filter playground data)',
    format: 'see apps/playground/src/data/packed-images.ts',
    pixelScale: 'uint8; the page feeds pixel/255 as demo4 does',
    test,
    train,
  };
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`pack-data: wrote manifest.json`);
}

main();
