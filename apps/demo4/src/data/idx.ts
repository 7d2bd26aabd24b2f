/**
 * Reader for the IDX format of MNIST / Fashion-MNIST (http://yann.lecun.com/exdb/mnist/,
 * "FILE FORMATS"): a 4-byte magic `00 00 <type> <ndims>`, `ndims` big-endian uint32
 * dimensions, then the data in row-major order. Files may be gzip-compressed
 * (detected by the gzip magic `1f 8b`, not by the file name).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { CorruptDatasetError } from '../errors';

/** A decoded IDX file of unsigned bytes (type 0x08, the only type Fashion-MNIST uses). */
export interface IdxArray {
  /** Dimensions from the header, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The payload, `product(dims)` bytes. */
  data: Uint8Array;
}

/** What the caller expects from a file; a mismatch is a {@link CorruptDatasetError}. */
export interface IdxExpectation {
  /** Number of dimensions (3 for images, 1 for labels). */
  ndims: number;
  /** Expected trailing dimensions after the count, e.g. `[28, 28]` for images, `[]` for labels. */
  innerDims: number[];
  /** Expected first dimension (number of items), when known. */
  count?: number;
  /** Largest allowed value (9 for labels), when values are bounded. */
  maxValue?: number;
}

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** True when `bytes` starts with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns the raw IDX bytes of a file's content, gunzipping when it starts with the
 * gzip magic. Errors name `file`.
 */
export function decompressIfGzip(file: string, bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (err) {
    throw new CorruptDatasetError(
      file,
      `bad gzip data (${(err as Error).message}). Delete the file and fetch it again.`,
    );
  }
}

/**
 * Parses IDX bytes (already decompressed) and checks them against `expect`.
 * Every problem is a {@link CorruptDatasetError} naming `file`: bad magic, an
 * unsupported type, a wrong number of dimensions, wrong dimensions or count,
 * a truncated payload, trailing bytes, or values above `maxValue`.
 */
export function parseIdx(file: string, bytes: Uint8Array, expect: IdxExpectation): IdxArray {
  const fixHint = 'Delete the file and fetch it again.';
  if (bytes.length < 4) {
    throw new CorruptDatasetError(
      file,
      `file is ${bytes.length} bytes long, shorter than the 4-byte IDX magic. ${fixHint}`,
    );
  }
  const [z0, z1, type, ndims] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (z0 !== 0 || z1 !== 0 || !(type in IDX_TYPE_NAMES)) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new CorruptDatasetError(file, `bad magic number ${hex} (expected 00 00 08 0${expect.ndims}). ${fixHint}`);
  }
  if (type !== 0x08) {
    throw new CorruptDatasetError(
      file,
      `data type 0x${type.toString(16).padStart(2, '0')} (${IDX_TYPE_NAMES[type]}) is not supported; Fashion-MNIST uses unsigned bytes (0x08).`,
    );
  }
  if (ndims !== expect.ndims) {
    throw new CorruptDatasetError(file, `header declares ${ndims} dimensions, expected ${expect.ndims}. ${fixHint}`);
  }
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new CorruptDatasetError(
      file,
      `truncated header: ${bytes.length} bytes, a ${ndims}-dimensional IDX header needs ${headerLen}. ${fixHint}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const inner = dims.slice(1);
  if (inner.length !== expect.innerDims.length || inner.some((d, i) => d !== expect.innerDims[i])) {
    throw new CorruptDatasetError(
      file,
      `wrong dimensions ${dims.join('×')}: expected N×${expect.innerDims.join('×') || '(none)'}. ${fixHint}`,
    );
  }
  const count = dims[0]!;
  if (expect.count !== undefined && count !== expect.count) {
    throw new CorruptDatasetError(file, `wrong item count ${count}, expected ${expect.count}. ${fixHint}`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  const payload = bytes.length - headerLen;
  if (payload < size) {
    throw new CorruptDatasetError(
      file,
      `truncated data: the header declares ${dims.join('×')} = ${size} bytes, the file holds ${payload}. ${fixHint}`,
    );
  }
  if (payload > size) {
    throw new CorruptDatasetError(
      file,
      `${payload - size} unexpected trailing bytes after the ${dims.join('×')} = ${size} bytes of data. ${fixHint}`,
    );
  }
  const data = bytes.subarray(headerLen, headerLen + size);
  if (expect.maxValue !== undefined) {
    for (let i = 0; i < data.length; i++) {
      if (data[i]! > expect.maxValue) {
        throw new CorruptDatasetError(
          file,
          `value ${data[i]} at index ${i} is above the maximum ${expect.maxValue}. ${fixHint}`,
        );
      }
    }
  }
  return { dims, data };
}

/** Reads `file` from disk (gzip or raw, detected by magic bytes) and parses it with {@link parseIdx}. */
export function readIdxFile(file: string, expect: IdxExpectation): IdxArray & { raw: Uint8Array } {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new CorruptDatasetError(file, `cannot be read (${(err as Error).message}).`);
  }
  const raw = decompressIfGzip(file, bytes);
  return { ...parseIdx(file, raw, expect), raw };
}
