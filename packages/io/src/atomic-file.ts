/**
 * File steps a crash cannot leave half done: a file is written under a temporary name in the same
 * folder, flushed (fsync), then renamed over its target (atomic on POSIX file systems); the folder is
 * flushed after each rename so the new name survives a power loss.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';

/** A name in `dir` no other writer uses: `.<base>.<pid>-<random>.tmp`. */
export function tempName(dir: string, base: string): string {
  return path.join(dir, `.${base}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/** Writes `data` to `file` and flushes it to disk (not atomic by itself: use a temporary name). */
export async function writeAndSync(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(file, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Flushes a folder's entries (renames, unlinks); ignored where the file system refuses it. */
export async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // some file systems refuse fsync on a folder; the renames are atomic all the same
  } finally {
    await fh?.close();
  }
}

/** Replaces `file` with `data`: readers see the old content or the new one, never a mix. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(path.dirname(file), path.basename(file));
  try {
    await writeAndSync(tmp, data);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}

/**
 * Makes `to` a complete copy of the finished file `from` atomically: a hard link (no copy) where the
 * file system has them, else a flushed copy, under a temporary name renamed over `to`.
 */
export async function replaceWithCopy(from: string, to: string): Promise<void> {
  const tmp = tempName(path.dirname(to), path.basename(to));
  try {
    try {
      await fsp.link(from, tmp);
    } catch {
      await fsp.copyFile(from, tmp);
      const fh = await fsp.open(tmp, 'r+');
      await fh.sync().finally(() => fh.close());
    }
    await fsp.rename(tmp, to);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(to));
}
