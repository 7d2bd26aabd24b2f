import { ModelImportError } from '../errors';

/** One tensor of a safetensors file, converted to float32 (row-major, the file's shape). */
export interface SafeTensor {
  /** The dtype in the file (`F32`, `F64`, `F16`, `BF16`). */
  dtype: string;
  shape: number[];
  values: Float32Array;
}

const BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** IEEE half → number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(dtype: string, view: DataView, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'F32') out[i] = view.getFloat32(4 * i, true);
    else if (dtype === 'F64') out[i] = view.getFloat64(8 * i, true);
    else if (dtype === 'F16') out[i] = halfToFloat(view.getUint16(2 * i, true));
    else out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!; // BF16
  }
  return out;
}

/**
 * Reads a safetensors file (Hugging Face's format: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`, then the raw little-endian tensor
 * data) into float32 tensors by name. Float dtypes only (F32, F64, F16, BF16); a header or offsets that do
 * not fit the bytes, overlapping or mis-sized tensors, or other dtypes give a {@link ModelImportError}.
 */
export function readSafetensors(fn: string, bytes: Uint8Array): Map<string, SafeTensor> {
  const fail = (what: string) => new ModelImportError(`${fn}: the safetensors file ${what}`);
  if (bytes.length < 8)
    throw fail(
      `is ${bytes.length} bytes long, shorter than its 8-byte header length. It is truncated or not a safetensors file.`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8)
    throw fail(
      `declares a ${headerLength}-byte header but has ${bytes.length - 8} bytes after the length. It is truncated or not a safetensors file.`,
    );
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (err) {
    throw fail(`has a header that is not JSON (${(err as Error).message}). It is corrupt or not a safetensors file.`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const out = new Map<string, SafeTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header ?? {})) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = e.shape;
    const offs = e.data_offsets;
    if (
      typeof e.dtype !== 'string' ||
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offs) ||
      offs.length !== 2
    ) {
      throw fail(`has a malformed entry for '${name}'. It is corrupt.`);
    }
    const size = BYTES[e.dtype];
    if (size === undefined)
      throw fail(`stores '${name}' as ${e.dtype}; lipnet reads float tensors (F32, F64, F16, BF16) only.`);
    const [begin, end] = offs as [number, number];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!(Number.isInteger(begin) && Number.isInteger(end) && 0 <= begin && begin <= end && end <= dataLength)) {
      throw fail(
        `places '${name}' at bytes [${begin}, ${end}) of a ${dataLength}-byte data section. It is truncated or corrupt.`,
      );
    }
    if (end - begin !== n * size)
      throw fail(
        `stores '${name}' (${e.dtype}, shape [${shape.join(', ')}]) in ${end - begin} bytes instead of ${n * size}. It is corrupt.`,
      );
    spans.push([begin, end, name]);
    const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    out.set(name, { dtype: e.dtype, shape: shape as number[], values: decode(e.dtype, data, n) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1])
      throw fail(`has overlapping tensors '${spans[i - 1]![2]}' and '${spans[i]![2]}'. It is corrupt.`);
  }
  return out;
}
