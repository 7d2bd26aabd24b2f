/**
 * One run per output folder: `demo4.lock` in `--out` names the process that
 * uses it (pid, host, start time, command line). It is created atomically (a
 * hard link of a fully written temporary file, which fails when a lock
 * exists), removed when the run ends (also on `process.exit`), and taken over
 * with a message when the process it names is no longer running on this host.
 * A process killed with SIGKILL leaves its lock behind: the next run finds
 * its pid dead and takes over.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OutputDirError } from '../errors';
import { outputPath } from './output-files';

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** A held lock. */
export interface OutLock {
  readonly file: string;
  readonly info: LockInfo;
  /** Removes the lock (when it is still ours). */
  release(): void;
}

/** Whether `pid` names a running process on this host (EPERM: running, someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function describe(i: LockInfo): string {
  return `pid ${i.pid} on ${i.host}, started ${i.startedAt} (${i.command})`;
}

/** Removes the stale lock whose bytes are `seen`, unless another process replaced it meanwhile. */
function removeStale(file: string, seen: string): void {
  const moved = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, moved);
  } catch {
    return; // someone else took it over first; the next attempt sees their lock
  }
  if (fs.readFileSync(moved, 'utf8') !== seen) fs.linkSync(moved, file); // a live lock: put it back
  fs.rmSync(moved, { force: true });
}

/** Why the existing lock blocks this run; `undefined` when it is stale and was removed. */
function blockingReason(file: string, log: (line: string) => void): string | undefined {
  let seen: string;
  try {
    seen = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // released meanwhile
  }
  let info: LockInfo;
  try {
    info = JSON.parse(seen) as LockInfo;
  } catch {
    return `${file} is not a demo4 lock file. If no demo4 run uses this folder, delete it`;
  }
  if (info.host !== os.hostname()) return `it is in use by ${describe(info)}. If that run is over, delete ${file}`;
  if (processAlive(info.pid))
    return `it is in use by another demo4 run: ${describe(info)}. Wait for it to end, or pass another --out (if pid ${info.pid} is not a demo4 run, delete ${file})`;
  log(`Note: ${file} names ${describe(info)}, which is no longer running; taking the folder over.`);
  removeStale(file, seen);
  return undefined;
}

/** Takes the lock of the output folder `out`, or throws {@link OutputDirError} naming the run that holds it. */
export function acquireOutLock(out: string, log: (line: string) => void): OutLock {
  const file = outputPath(out, 'lock');
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: [path.basename(process.argv[1] ?? 'demo4'), ...process.argv.slice(2)].join(' '),
  };
  const content = `${JSON.stringify(info, null, 2)}\n`;
  for (let attempt = 0; !tryCreate(file, content); attempt++) {
    const why = blockingReason(file, log);
    if (why !== undefined || attempt >= 3)
      throw new OutputDirError(`demo4: cannot use ${out}: ${why ?? 'its lock keeps changing'}.`);
  }
  const release = () => {
    process.removeListener('exit', release);
    try {
      if (fs.readFileSync(file, 'utf8') === content) fs.rmSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { file, info, release };
}
