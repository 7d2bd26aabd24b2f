/**
 * demo4 as a pipeline of named stages (data → model → train → export →
 * certify → attack → report). A stage is a module with typed input and output;
 * {@link Pipeline} runs them in order and records each finished stage in the
 * run state with the hashes of its inputs and outputs. On `--resume` a stage
 * whose record matches (same inputs, same earlier stages, output files
 * unchanged) is not run again: its `load` rebuilds its output from its record
 * and files. Nothing is written into `--out` before a stage that writes has
 * passed its `prepare` checks.
 */
import * as path from 'path';
import { fileSha256, jsonSha256 } from './file-hash';
import type { InterruptState } from './interrupt';
import { outputPath } from './output-files';
import { writeRunState, type RunState, type StageRecord } from './run-state';

/** The stages, in pipeline order. */
export const STAGE_NAMES = ['data', 'model', 'train', 'export', 'certify', 'attack', 'report'] as const;

/** One of {@link STAGE_NAMES}. */
export type StageName = (typeof STAGE_NAMES)[number];

/** What every stage gets besides its input. */
export interface StageContext {
  /** The output folder. */
  out: string;
  log: (line: string) => void;
  /** True when this session continues a run (`--resume`). */
  resume: boolean;
  /** The run state (read only for stages: the pipeline writes it). */
  state: RunState;
  /** Polled by long stages: set on SIGINT / SIGTERM / SIGHUP (stages only read it). */
  interrupt: InterruptState;
}

/** What a stage's `run` returns. */
export interface StageResult<O> {
  output: O;
  /** Files written, relative to `--out` (hashed into the record). */
  files: string[];
  /** JSON its `load` needs to rebuild `output` on resume, and the report reads. */
  summary: unknown;
  /** JSON that identifies the output for later stages (default: `summary`). */
  identity?: unknown;
}

/** A stage: typed input I, output O; `prepare` may pass P to `run`. */
export interface Stage<I, O, P = undefined> {
  readonly name: StageName;
  /** Whether it writes into `--out` (the run state is written just before it runs). */
  readonly writes: boolean;
  /** JSON of the inputs its outcome depends on, besides the earlier stages' outputs. */
  key(input: I): unknown;
  /** Checks that must pass before anything is written; throws to refuse. */
  prepare?(input: I, ctx: StageContext): Promise<P>;
  run(input: I, ctx: StageContext, prepared: P): Promise<StageResult<O>>;
  /** Rebuilds the output of a finished run from its record (resume). Without it the stage always runs. */
  load?(input: I, record: StageRecord, ctx: StageContext): Promise<O>;
}

/** Runs stages in order against one run state, reusing finished ones on resume. */
export class Pipeline {
  private readonly fingerprints: string[] = [];
  /** Wall seconds of each stage in this session (0 for a reused one). */
  readonly seconds: Partial<Record<StageName, number>> = {};
  /** Stages reused from an earlier session. */
  readonly reused: StageName[] = [];

  constructor(private readonly ctx: StageContext) {}

  /** Runs `stage` on `input` (or reuses its record) and returns its output. */
  async run<I, O, P>(stage: Stage<I, O, P>, input: I): Promise<O> {
    const inputKey = jsonSha256([stage.name, stage.key(input), this.fingerprints]);
    const state = this.ctx.state;
    const rec = state.stages[stage.name];
    if (this.ctx.resume && rec && stage.load && this.reusable(stage.name, rec, inputKey)) {
      const output = await stage.load(input, rec, this.ctx);
      this.fingerprints.push(rec.fingerprint);
      this.seconds[stage.name] = 0;
      this.reused.push(stage.name);
      this.ctx.log(`Stage ${stage.name}: finished in an earlier session; its outputs are unchanged and reused.`);
      return output;
    }
    const prepared = (stage.prepare ? await stage.prepare(input, this.ctx) : undefined) as P;
    delete state.stages[stage.name];
    if (stage.writes) this.flush();
    const t0 = performance.now();
    const result = await stage.run(input, this.ctx, prepared);
    const files = Object.fromEntries(result.files.map((f) => [f, fileSha256(path.join(this.ctx.out, f)) ?? 'missing']));
    const record: StageRecord = {
      inputKey,
      fingerprint: jsonSha256([result.identity ?? result.summary, files]),
      files,
      summary: result.summary,
      seconds: (performance.now() - t0) / 1000,
      finishedAt: new Date().toISOString(),
    };
    state.stages[stage.name] = record;
    this.fingerprints.push(record.fingerprint);
    this.seconds[stage.name] = record.seconds;
    if (stage.writes) this.flush();
    return result.output;
  }

  /** Same inputs and every output file as recorded; says why not when it was recorded. */
  private reusable(name: StageName, rec: StageRecord, inputKey: string): boolean {
    if (rec.inputKey !== inputKey) {
      this.ctx.log(
        `Stage ${name}: its inputs changed since it finished (flags or an earlier stage); running it again.`,
      );
      return false;
    }
    for (const [f, hash] of Object.entries(rec.files)) {
      if (fileSha256(path.join(this.ctx.out, f)) !== hash) {
        this.ctx.log(`Stage ${name}: ${f} is missing or changed since it was written; running the stage again.`);
        return false;
      }
    }
    return true;
  }

  /** Writes the run state. */
  flush(): void {
    writeRunState(outputPath(this.ctx.out, 'runState'), this.ctx.state);
  }
}
