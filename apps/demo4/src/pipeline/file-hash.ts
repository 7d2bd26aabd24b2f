/** SHA-256 of files and of JSON values, for the run state's stage records. */
import * as crypto from 'crypto';
import * as fs from 'fs';

/** Hex SHA-256 of bytes. */
export function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Hex SHA-256 of a file's bytes, or `null` when it cannot be read. */
export function fileSha256(file: string): string | null {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return null;
  }
}

/** Hex SHA-256 of `JSON.stringify(value)` (key order as built: callers build their values in a fixed order). */
export function jsonSha256(value: unknown): string {
  return sha256(JSON.stringify(value) ?? 'undefined');
}
