/**
 * The output folder's lock: a second run refuses with the first one's pid and
 * start time; a lock whose process is dead is taken over with a message; a
 * lock from another host or an unreadable one is not; releasing removes only
 * our own lock.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OutputDirError } from '../src/errors';
import { acquireOutLock, processAlive, type LockInfo } from '../src/pipeline/out-lock';
import { tmpDir } from './helpers';

const quiet = () => undefined;
const lockFile = (out: string) => path.join(out, 'demo4.lock');
const writeLock = (out: string, info: Partial<LockInfo>) =>
  fs.writeFileSync(
    lockFile(out),
    JSON.stringify({
      pid: 1,
      host: os.hostname(),
      startedAt: '2026-01-02T03:04:05.000Z',
      command: 'x',
      ...info,
    }),
  );

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const pid = Number(r.stdout.toString());
  expect(processAlive(pid)).toBe(false);
  return pid;
}

describe('acquireOutLock', () => {
  it('refuses a second holder with the first one pid and start time; works again once released', () => {
    const out = tmpDir();
    const first = acquireOutLock(out, quiet);
    expect((JSON.parse(fs.readFileSync(lockFile(out), 'utf8')) as LockInfo).pid).toBe(process.pid);
    let err: unknown;
    try {
      acquireOutLock(out, quiet);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputDirError);
    expect((err as OutputDirError).exitCode).toBe(4);
    expect((err as Error).message).toContain(`in use by another demo4 run: pid ${process.pid}`);
    expect((err as Error).message).toContain(`started ${first.info.startedAt}`);
    expect(fs.readdirSync(out)).toEqual(['demo4.lock']); // no temporary file left
    first.release();
    expect(fs.readdirSync(out)).toEqual([]);
    acquireOutLock(out, quiet).release();
  });

  it('takes over the lock of a process that is no longer running, and says so', () => {
    const out = tmpDir();
    const pid = deadPid();
    writeLock(out, { pid });
    const lines: string[] = [];
    const lock = acquireOutLock(out, (l) => lines.push(l));
    expect(lines).toEqual([
      `Note: ${lockFile(out)} names pid ${pid} on ${os.hostname()}, started 2026-01-02T03:04:05.000Z (x), which is no longer running; taking the folder over.`,
    ]);
    expect((JSON.parse(fs.readFileSync(lockFile(out), 'utf8')) as LockInfo).pid).toBe(process.pid);
    lock.release();
  });

  it('does not take over a lock from another host or one it cannot read', () => {
    const out = tmpDir();
    writeLock(out, { pid: deadPid(), host: 'another-host' });
    expect(() => acquireOutLock(out, quiet)).toThrow(
      /in use by pid \d+ on another-host, .* If that run is over, delete/,
    );
    fs.writeFileSync(lockFile(out), 'garbage');
    expect(() => acquireOutLock(out, quiet)).toThrow(/is not a demo4 lock file/);
  });

  it('release leaves a lock that is not ours alone', () => {
    const out = tmpDir();
    const lock = acquireOutLock(out, quiet);
    writeLock(out, { pid: 4242 });
    lock.release();
    expect(fs.existsSync(lockFile(out))).toBe(true);
  });
});
