import { ModelImportError } from './errors';

/** What a loader accepts as file contents: the bytes of the file. */
export type FileBytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** The input as a `Uint8Array` view (no copy), or a {@link ModelImportError} naming `fn` and what to pass. */
export function toBytes(fn: string, arg: string, input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const got = input === null ? 'null' : typeof input === 'string' ? `a string ('${input.slice(0, 40)}')` : typeof input;
  throw new ModelImportError(
    `${fn}: expected \`${arg}\` to be the file's bytes (Uint8Array, ArrayBuffer or Buffer), got ${got}. ` +
      'Read the file first, e.g. fs.readFileSync(path) in Node or new Uint8Array(await file.arrayBuffer()) in a browser.',
    { code: 'INVALID_ARGUMENT', option: arg },
  );
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  return bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
}

/** Whether the bytes start with the HDF5 signature (at offset 0 or a power-of-two user-block offset ≥ 512). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2)
    if (startsWith(bytes, HDF5_SIGNATURE, at)) return true;
  return false;
}

/** Whether the bytes start like a zip archive (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return startsWith(bytes, ZIP_SIGNATURE);
}
