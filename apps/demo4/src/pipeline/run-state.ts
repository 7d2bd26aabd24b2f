/**
 * The run state, `run.json` in `--out`: the run's options (what `--resume`
 * restores when a flag is not given again), its id, and one record per
 * finished stage with the hashes of its inputs and of its output files, so a
 * resumed run reuses every stage whose outputs are still what it wrote.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import type { CliOptions } from '../cli';
import { CheckpointError } from '../errors';
import { writeFileAtomic } from './atomic-write';
import { nonFiniteFromString, stringifyWithNonFinite } from './json-numbers';
import type { StageName } from './stage';

/** Keys of CliOptions saved in run.json and restored on --resume when not given again. */
export const RESUMABLE = [
  'epochs',
  'batchSize',
  'trainLimit',
  'valLimit',
  'attackSteps',
  'binarySearchSteps',
  'seed',
  'dataDir',
  'convNormalization',
] as const;

/** One of {@link RESUMABLE}. */
export type ResumableKey = (typeof RESUMABLE)[number];

/** A finished stage. */
export interface StageRecord {
  /** SHA-256 of the stage's own inputs and of every earlier stage's fingerprint. */
  inputKey: string;
  /** SHA-256 of what the stage produced (its identity JSON and its files' hashes). */
  fingerprint: string;
  /** Files it wrote, relative to `--out`, with their SHA-256. */
  files: Record<string, string>;
  /** What the stage reports (read back by its `load` on resume). */
  summary: unknown;
  /** Wall seconds of the session that ran it. */
  seconds: number;
  finishedAt: string;
}

/** The content of run.json. */
export interface RunState {
  format: 'demo4-run';
  version: 1;
  /** Random id of the run; its checkpoints carry it. */
  runId: string;
  startedAt: string;
  options: Record<ResumableKey, unknown>;
  stages: Partial<Record<StageName, StageRecord>>;
}

/** The resumable options of `o`, `null` for unset ones. */
export function resumableOptions(o: CliOptions): Record<ResumableKey, unknown> {
  return Object.fromEntries(RESUMABLE.map((k) => [k, o[k] ?? null])) as Record<ResumableKey, unknown>;
}

/** A new run's state. */
export function newRunState(o: CliOptions): RunState {
  return {
    format: 'demo4-run',
    version: 1,
    runId: crypto.randomUUID(),
    startedAt: new Date().toISOString(),
    options: resumableOptions(o),
    stages: {},
  };
}

/** Reads run.json; `undefined` when absent; a {@link CheckpointError} when unreadable or not a demo4 run state. */
export function readRunState(file: string): RunState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const bad = (why: string) =>
    new CheckpointError(
      `demo4: ${file} is unusable: ${why}. Start a new run with --restart (or in another --out folder).`,
    );
  let state: RunState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8'), nonFiniteFromString) as RunState;
  } catch (err) {
    throw bad(`not valid JSON (${(err as Error).message})`);
  }
  if (state?.format !== 'demo4-run') throw bad('not a demo4 run state (no "format": "demo4-run")');
  if (state.version !== 1) throw bad(`version ${String(state.version)}, this demo4 reads 1`);
  if (typeof state.runId !== 'string' || typeof state.stages !== 'object' || typeof state.options !== 'object')
    throw bad('runId, options or stages missing');
  return state;
}

/** Writes run.json atomically. */
export function writeRunState(file: string, state: RunState): void {
  writeFileAtomic(file, `${stringifyWithNonFinite(state)}\n`);
}
