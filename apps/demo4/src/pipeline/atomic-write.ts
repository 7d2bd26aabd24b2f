/**
 * Atomic file replacement: write to a temporary file in the same folder, fsync
 * it, rename it over the target (atomic on POSIX file systems), then fsync the
 * folder. A crash leaves either the old file or the new one, never half of one.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Replaces `file` with `data` atomically. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // some file systems refuse fsync on a folder; the rename is still atomic
  }
}
