import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { CorruptDatasetError } from '../src/errors';
import { isGzip, parseIdx, readIdxFile } from '../src/data/idx';
import { idxBytes, tmpDir } from './helpers';

const IMG = { ndims: 3, innerDims: [28, 28] };
const LAB = { ndims: 1, innerDims: [], maxValue: 9 };

describe('parseIdx', () => {
  it('decodes dims and payload of a hand-made file', () => {
    const payload = Uint8Array.from({ length: 2 * 784 }, (_, i) => i % 251);
    const a = parseIdx('x', idxBytes([2, 28, 28], payload), IMG);
    expect(a.dims).toEqual([2, 28, 28]);
    expect(Array.from(a.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(a.data[784 + 1]).toBe((784 + 1) % 251);
  });

  const cases: [string, Buffer, object, RegExp][] = [
    [
      'bad magic',
      Buffer.from([1, 2, 8, 1, 0, 0, 0, 1, 5]),
      LAB,
      /f\.idx is not a valid IDX file: bad magic number 01 02 08 01/,
    ],
    ['too short for magic', Buffer.from([0, 0]), LAB, /2 bytes long, shorter than the 4-byte IDX magic/],
    ['unsupported type', idxBytes([1], [0, 0, 0, 0], 0x0c), LAB, /data type 0x0c \(int\) is not supported/],
    ['wrong ndims', idxBytes([3, 28], new Uint8Array(84)), IMG, /declares 2 dimensions, expected 3/],
    [
      'wrong dims',
      idxBytes([2, 28, 27], new Uint8Array(2 * 28 * 27)),
      IMG,
      /wrong dimensions 2×28×27: expected N×28×28/,
    ],
    ['wrong count', idxBytes([3], [1, 2, 3]), { ...LAB, count: 4 }, /wrong item count 3, expected 4/],
    ['truncated header', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]), IMG, /truncated header: 10 bytes/],
    [
      'truncated data',
      idxBytes([2, 28, 28], new Uint8Array(784 + 100)),
      IMG,
      /truncated data: the header declares 2×28×28 = 1568 bytes, the file holds 884/,
    ],
    ['trailing bytes', idxBytes([2], [1, 2, 3]), LAB, /1 unexpected trailing bytes/],
    ['label out of range', idxBytes([3], [1, 12, 3]), LAB, /value 12 at index 1 is above the maximum 9/],
  ];
  it.each(cases)('rejects %s with a message naming the file', (_, bytes, expect_, re) => {
    expect(() => parseIdx('/data/f.idx', bytes, expect_ as typeof LAB)).toThrow(CorruptDatasetError);
    expect(() => parseIdx('/data/f.idx', bytes, expect_ as typeof LAB)).toThrow(re);
    try {
      parseIdx('/data/f.idx', bytes, expect_ as typeof LAB);
    } catch (e) {
      expect((e as CorruptDatasetError).file).toBe('/data/f.idx');
      expect((e as Error).message).toMatch(/^demo4: \/data\/f\.idx is not a valid IDX file: /);
    }
  });
});

describe('readIdxFile', () => {
  const dir = tmpDir();
  const raw = idxBytes([4], [0, 9, 3, 7]);

  it('reads raw and gzip files the same, detecting gzip by magic bytes, not by name', () => {
    fs.writeFileSync(path.join(dir, 'raw'), raw);
    fs.writeFileSync(path.join(dir, 'packed.bin'), zlib.gzipSync(raw)); // no .gz suffix
    fs.writeFileSync(path.join(dir, 'plain.gz'), raw); // .gz suffix, not compressed
    for (const f of ['raw', 'packed.bin', 'plain.gz']) {
      const a = readIdxFile(path.join(dir, f), LAB);
      expect(Array.from(a.data)).toEqual([0, 9, 3, 7]);
    }
    expect(isGzip(zlib.gzipSync(raw))).toBe(true);
    expect(isGzip(raw)).toBe(false);
  });

  it('reports bad gzip (a truncated .gz) with the file name', () => {
    const gz = zlib.gzipSync(idxBytes([1000], new Uint8Array(1000)));
    const f = path.join(dir, 'cut.gz');
    fs.writeFileSync(f, gz.subarray(0, gz.length - 12));
    expect(() => readIdxFile(f, LAB)).toThrow(
      new RegExp(`${f.replace(/[.]/g, '\\.')} is not a valid IDX file: bad gzip data \\(unexpected end of file\\)`),
    );
  });

  it('reports garbage after a gzip magic as bad gzip', () => {
    const f = path.join(dir, 'garbage.gz');
    fs.writeFileSync(f, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(() => readIdxFile(f, LAB)).toThrow(/garbage\.gz is not a valid IDX file: bad gzip data/);
  });

  it('reports an unreadable file', () => {
    expect(() => readIdxFile(path.join(dir, 'nope'), LAB)).toThrow(
      /nope is not a valid IDX file: cannot be read \(ENOENT/,
    );
  });
});
