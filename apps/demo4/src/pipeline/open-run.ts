/**
 * Opening `--out` for a run: a fresh run gets a new run state; `--resume`
 * reads the saved one and takes every flag not given again from it. Nothing
 * is written here.
 */
import * as fs from 'fs';
import type { CliOptions } from '../cli';
import { CheckpointError } from '../errors';
import { outputPath } from './output-files';
import { newRunState, readRunState, resumableOptions, RESUMABLE, type RunState } from './run-state';

/** The run state to continue (resume) or to start with, and the options once merged with the saved ones. */
export function openRun(o: CliOptions): RunState {
  const checkpoint = outputPath(o.out, 'checkpoint');
  if (!o.resume) return newRunState(o);
  const saved = readRunState(outputPath(o.out, 'runState'));
  if (!saved && !fs.existsSync(checkpoint)) {
    throw new CheckpointError(
      `demo4: --resume: no checkpoint at ${checkpoint} and no run state. Pass the --out folder of the run to resume, or run without --resume to start one.`,
    );
  }
  const state = saved ?? newRunState(o);
  for (const k of RESUMABLE)
    if (!o.explicit.has(k) && k in state.options)
      (o as unknown as Record<string, unknown>)[k] = state.options[k] ?? undefined;
  state.options = resumableOptions(o);
  return state;
}
