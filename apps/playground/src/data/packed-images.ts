/**
 * The playground's packed image format: a small header, the labels, then the
 * pixels, all bytes. Written by `scripts/pack-data.ts` from Fashion-MNIST's IDX
 * files, read by the page (and by the tests) with {@link decodePackedImages}.
 *
 *     offset  size      content
 *     0       4         magic "LPIM"
 *     4       4         format version (uint32 LE) = 1
 *     8       4         n, number of images (uint32 LE)
 *     12      4         rows (uint32 LE)
 *     16      4         cols (uint32 LE)
 *     20      n         labels (uint8, class index)
 *     20 + n  n·r·c     pixels (uint8, row-major, image after image; 0 = black)
 */

/** Magic bytes at the start of every packed file. */
export const PACKED_MAGIC = 'LPIM';
/** The only format version this reader understands. */
export const PACKED_VERSION = 1;
const HEADER_BYTES = 20;

/** Images and labels as stored: bytes, one image after the other. */
export interface PackedImages {
  n: number;
  rows: number;
  cols: number;
  /** `n` class indices. */
  labels: Uint8Array;
  /** `n·rows·cols` pixels in 0…255. */
  pixels: Uint8Array;
}

/** A packed file that is not what it should be (wrong magic, version, size). */
export class PackedImagesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackedImagesError';
  }
}

/** Encodes images and labels in the packed format (see the module comment). */
export function encodePackedImages(p: PackedImages): Uint8Array {
  const size = p.rows * p.cols;
  if (p.labels.length !== p.n || p.pixels.length !== p.n * size) {
    throw new PackedImagesError(
      `encodePackedImages: expected ${p.n} labels and ${p.n * size} pixels (n·rows·cols), got ${p.labels.length} and ${p.pixels.length}.`,
    );
  }
  const out = new Uint8Array(HEADER_BYTES + p.n + p.n * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = PACKED_MAGIC.charCodeAt(i);
  view.setUint32(4, PACKED_VERSION, true);
  view.setUint32(8, p.n, true);
  view.setUint32(12, p.rows, true);
  view.setUint32(16, p.cols, true);
  out.set(p.labels, HEADER_BYTES);
  out.set(p.pixels, HEADER_BYTES + p.n);
  return out;
}

/**
 * Decodes a packed file. `source` names it in errors (e.g. its URL).
 * @throws PackedImagesError on a wrong magic, an unknown version, or a size that does not match the header.
 */
export function decodePackedImages(bytes: Uint8Array, source = 'packed images'): PackedImages {
  if (bytes.length < HEADER_BYTES) {
    throw new PackedImagesError(
      `${source}: ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header; the file is truncated. Regenerate it with \`pnpm --filter playground data\`.`,
    );
  }
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== PACKED_MAGIC) {
    throw new PackedImagesError(
      `${source}: starts with ${JSON.stringify(magic)}, not the magic "${PACKED_MAGIC}"; this is not a packed image file (an HTML error page?). Check the URL or regenerate it with \`pnpm --filter playground data\`.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== PACKED_VERSION) {
    throw new PackedImagesError(`${source}: format version ${version}; this reader understands ${PACKED_VERSION}.`);
  }
  const n = view.getUint32(8, true);
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  const expected = HEADER_BYTES + n + n * rows * cols;
  if (bytes.length !== expected) {
    throw new PackedImagesError(
      `${source}: the header announces ${n} images of ${rows}×${cols} (${expected} bytes) but the file has ${bytes.length} bytes; it is truncated or corrupt. Regenerate it with \`pnpm --filter playground data\`.`,
    );
  }
  const labels = bytes.slice(HEADER_BYTES, HEADER_BYTES + n);
  const pixels = bytes.slice(HEADER_BYTES + n, expected);
  return { n, rows, cols, labels, pixels };
}

/** Image `i` as floats in [0, 1] (pixel / 255), the scaling demo4 trains on. */
export function imageAsFloats(p: PackedImages, i: number): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= p.n) {
    throw new PackedImagesError(`imageAsFloats: expected an image index in 0…${p.n - 1}, got ${String(i)}.`);
  }
  const size = p.rows * p.cols;
  const out = new Float32Array(size);
  for (let k = 0; k < size; k++) out[k] = p.pixels[i * size + k]! / 255;
  return out;
}
