/**
 * Opening `--out` for a run, under its lock and before anything is written:
 * `--resume` reads the saved run state and takes every flag not given again
 * from it; a new run refuses a folder that holds an unfinished run unless
 * `--restart` is given, then removes the old run's checkpoints.
 */
import * as fs from 'fs';
import type { CliOptions } from '../cli';
import { CheckpointError } from '../errors';
import { previousGeneration, readCheckpoint } from '../training/checkpoint';
import { outputPath } from './output-files';
import { newRunState, readRunState, resumableOptions, RESUMABLE, type RunState } from './run-state';

/** "epoch 3, step 2", from the newest readable checkpoint; empty when none is. */
function checkpointProgress(file: string): string {
  for (const f of [file, previousGeneration(file)]) {
    try {
      const p = readCheckpoint(f).header.progress;
      return `; its checkpoint has ${p.epoch} epoch(s) done${p.step ? ` and ${p.step} step(s) of the next` : ''}`;
    } catch {
      // try the older generation
    }
  }
  return '';
}

function resumeState(o: CliOptions): RunState {
  const saved = readRunState(outputPath(o.out, 'runState'));
  if (!saved)
    throw new CheckpointError(
      `demo4: --resume: nothing to resume in ${o.out}: no ${outputPath(o.out, 'runState')} (no checkpoint at ${outputPath(o.out, 'checkpoint')} from this demo4 either). Pass the --out folder of the run to resume, or run without --resume to start one.`,
    );
  for (const k of RESUMABLE)
    if (!o.explicit.has(k) && k in saved.options)
      (o as unknown as Record<string, unknown>)[k] = saved.options[k] ?? undefined;
  saved.options = resumableOptions(o);
  return saved;
}

/** The run state to continue (`--resume`) or a new one; `o` gets the saved flags on resume. */
export function openRun(o: CliOptions, log: (line: string) => void): RunState {
  if (o.resume) return resumeState(o);
  const checkpoint = outputPath(o.out, 'checkpoint');
  const hasCheckpoint = fs.existsSync(checkpoint) || fs.existsSync(previousGeneration(checkpoint));
  let saved: RunState | undefined;
  try {
    saved = readRunState(outputPath(o.out, 'runState'));
  } catch (err) {
    if (!o.restart) throw err;
  }
  const unfinished = saved ? !saved.stages.report : hasCheckpoint;
  if (unfinished && !o.restart) {
    throw new CheckpointError(
      `demo4: ${o.out} holds an unfinished run (started ${saved?.startedAt ?? 'at an unknown time'}${checkpointProgress(checkpoint)}). ` +
        'Continue it with --resume, start over with --restart (its files are replaced), or pass another --out.',
    );
  }
  if (saved || hasCheckpoint) {
    for (const f of [checkpoint, previousGeneration(checkpoint)]) fs.rmSync(f, { force: true });
    log(`Note: starting a new run in ${o.out}; the ${unfinished ? 'unfinished' : 'finished'} run there is replaced.`);
  }
  return newRunState(o);
}
