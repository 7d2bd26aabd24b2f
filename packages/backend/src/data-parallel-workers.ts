/**
 * The main thread's side of {@link DataParallelTrainer}'s worker threads: the
 * worker script's location, one handle per worker (replies awaited by message
 * type, failures turned into {@link DataParallelError}), and the shard helpers.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Worker } from 'worker_threads';
import { DataParallelError } from './errors';

export { DataParallelError };

/** A message from a worker. */
export type Reply = { type: string; error?: string } & Record<string, unknown>;

/** The built worker script (dist/data-parallel-worker.js). */
export function workerScript(): string {
  const here = path.join(__dirname, 'data-parallel-worker.js');
  if (fs.existsSync(here)) return here;
  // Running from src/ (ts-jest): use the built copy.
  const built = path.join(
    path.dirname(require.resolve('@lipnet/backend/package.json')),
    'dist',
    'data-parallel-worker.js',
  );
  if (fs.existsSync(built)) return built;
  throw new DataParallelError(
    'DataParallelTrainer: dist/data-parallel-worker.js is missing. Run `pnpm build` in packages/backend.',
  );
}

/** One worker thread and a queue of awaited replies by message type. */
export class WorkerHandle {
  private waiting = new Map<string, { resolve: (v: Reply) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: Reply) => {
      if (msg.type === 'error') {
        this.rejectAll(new DataParallelError(`DataParallelTrainer: a worker failed: ${msg.error}`));
        return;
      }
      const w = this.waiting.get(msg.type);
      this.waiting.delete(msg.type);
      w?.resolve(msg);
    });
    worker.on('error', (err) => {
      this.failure = new DataParallelError(`DataParallelTrainer: a worker crashed: ${err.message}`);
      this.rejectAll(this.failure);
    });
    worker.on('exit', (code) => {
      if (this.waiting.size > 0)
        this.rejectAll(
          new DataParallelError(`DataParallelTrainer: a worker exited (code ${code}) in the middle of a step.`),
        );
    });
  }

  private rejectAll(err: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    all.forEach((w) => w.reject(err));
  }

  /** Resolves with the next message of type `type`. */
  expect(type: string): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Reply>((resolve, reject) => this.waiting.set(type, { resolve, reject }));
  }

  post(msg: unknown, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }
}

/** Sizes of `n` rows split into `parts` near-equal contiguous shards (larger first). */
export function shardSizes(n: number, parts: number): number[] {
  const k = Math.min(parts, n);
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}
