/**
 * SIGINT, SIGTERM and SIGHUP, handled alike: the first asks the run to stop
 * after the current training step (or attack iteration) and save a
 * checkpoint; a second one quits at once without saving. A process stopped by
 * a signal exits with 128 + the signal's number, as a shell reports it.
 */
import * as os from 'os';

/** The signals handled. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One of {@link STOP_SIGNALS}. */
export type StopSignalName = (typeof STOP_SIGNALS)[number];

/** Where a run's stop request goes; the training loop and the attack poll it. */
export interface InterruptState {
  /** Stop after the current step (training loop). */
  requested: boolean;
  /** Stop the attack early. */
  aborted: boolean;
  /** The signal received first. */
  signal?: StopSignalName;
}

/** 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP. */
export function signalExitCode(signal: StopSignalName = 'SIGINT'): number {
  return 128 + os.constants.signals[signal];
}

/** Installs the handlers; `release()` removes them. `exit` is process.exit (tests replace it). */
export function trapStopSignals(
  log: (line: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): { state: InterruptState; release: () => void } {
  const state: InterruptState = { requested: false, aborted: false };
  const handler = (signal: StopSignalName) => {
    if (state.requested) {
      log(`\nSecond stop signal (${signal}): quitting without saving.`);
      exit(signalExitCode(signal));
      return;
    }
    state.requested = true;
    state.aborted = true;
    state.signal = signal;
    log(
      `\nInterrupt received (${signal}): finishing the current step, then saving a checkpoint (a second Ctrl-C, SIGTERM or SIGHUP quits at once).`,
    );
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return { state, release: () => STOP_SIGNALS.forEach((s) => process.removeListener(s, handler)) };
}
