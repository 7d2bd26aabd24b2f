import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

/** Builds IDX bytes: magic 00 00 08 ndims, big-endian dims, payload. */
export function idxBytes(dims: number[], payload: Uint8Array | number[], type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(payload)]);
}

/** A fresh temporary folder. */
export function tmpDir(prefix = 'demo4-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a tiny Fashion-MNIST-like dataset: nTrain/nTest images with pixel (i,j) of image k = (k + i + j) % 256, labels k % 10. */
export function writeTinyDataset(dir: string, nTrain: number, nTest: number, gzip: boolean): void {
  fs.mkdirSync(dir, { recursive: true });
  const images = (n: number) => {
    const px = new Uint8Array(n * 784);
    for (let k = 0; k < n; k++)
      for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) px[k * 784 + i * 28 + j] = (k + i + j) % 256;
    return idxBytes([n, 28, 28], px);
  };
  const labels = (n: number) =>
    idxBytes(
      [n],
      Array.from({ length: n }, (_, k) => k % 10),
    );
  const put = (name: string, b: Buffer) =>
    fs.writeFileSync(path.join(dir, gzip ? `${name}.gz` : name), gzip ? zlib.gzipSync(b) : b);
  put('train-images-idx3-ubyte', images(nTrain));
  put('train-labels-idx1-ubyte', labels(nTrain));
  put('t10k-images-idx3-ubyte', images(nTest));
  put('t10k-labels-idx1-ubyte', labels(nTest));
}

/** SHA-256 of every file under `dir`, by relative path (sorted). */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
