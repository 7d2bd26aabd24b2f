/** Checks up front that the output folder can be created and written. */
import * as fs from 'fs';
import * as path from 'path';
import { OutputDirError } from '../errors';

/**
 * `mkdir -p` one level at a time. (Node's `mkdirSync(dir, {recursive: true})`
 * loops forever on some paths under /proc, where mkdir answers ENOENT.)
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let cur = path.resolve(dir);
  while (!fs.existsSync(cur)) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing) fs.mkdirSync(d);
}

/** Creates `dir` if needed and writes/removes a probe file; throws {@link OutputDirError} otherwise. */
export function ensureWritableDir(dir: string): void {
  try {
    makeDirs(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OutputDirError(
      `demo4: cannot create the output folder ${dir} (${e.code ?? e.message}). Pass --out with a folder you can write to.`,
    );
  }
  if (!fs.statSync(dir).isDirectory()) {
    throw new OutputDirError(`demo4: the output path ${dir} exists and is not a folder. Pass --out with a folder.`);
  }
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OutputDirError(
      `demo4: cannot write to the output folder ${dir} (${e.code ?? e.message}). Pass --out with a folder you can write to.`,
    );
  }
}
