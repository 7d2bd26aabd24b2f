/**
 * The options every attack's `run` accepts, declared once (an attack with options of its own,
 * like C&W's `batchLoss`, extends them).
 */
import { defineOptions, opt, refuseOption } from '@lipnet/core';

/**
 * `attack.run`'s options, declared once. Values with richer rules (ε lists, bounds,
 * preprocessing, criterion) are checked where they are read; unknown keys are refused here.
 */
export const RUN_OPTIONS = defineOptions('run', {
  epsilons: opt.any(),
  bounds: opt.any(),
  preprocessing: opt.object({ mean: opt.any(), std: opt.any() }),
  criterion: opt.any(),
  onProgress: opt.func(),
  signal: opt.custom('an object with an `aborted` flag (an AbortSignal)', (v, ctx) =>
    typeof v === 'object' && v !== null && 'aborted' in v ? v : refuseOption(ctx, v, 'an AbortSignal-like object'),
  ),
  shouldStop: opt.func().describedAs('a function returning boolean', 'Pass `() => boolean` or use `signal`.'),
  seed: opt.number().describedAs('a finite number', 'Pass an integer seed or omit it.'),
  batchSize: opt.integer({ min: 1 }),
  startingPoints: opt.any().orNull(),
});

/** A definition of `run`'s options: {@link RUN_OPTIONS} or an extension of it. */
export interface RunOptionsDefinition {
  /** Checks the options (unknown keys refused) and returns them parsed. */
  parse(options: unknown, who?: string): Readonly<Record<string, unknown>>;
}
