/**
 * Keras-style progress bar (`tf.keras.utils.Progbar`, verbose=1):
 * `15/15 [==============================] - 5s 122ms/step - loss: 39.1980 - accuracy: 0.1978`.
 * On a TTY it redraws one line per update (with an ETA); otherwise it prints only
 * the final line, so logs get one line per epoch.
 */

/** A writable sink (process.stdout or a test buffer). */
export interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Keras' number format for a metric: `%.4f`, or `%.4e` when |v| < 1e-3 and v ≠ 0. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) > 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

/** Keras' time-per-unit format: `1s/step`, `80ms/step`, `950us/step`. */
export function formatPerUnit(seconds: number, unit = 'step'): string {
  if (seconds >= 1 || seconds === 0) return `${seconds.toFixed(0)}s/${unit}`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/${unit}`;
  return `${(seconds * 1e6).toFixed(0)}us/${unit}`;
}

/** `h:mm:ss`, `m:ss` or `Ns`, as Keras prints an ETA. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s > 3600)
    return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (s > 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

/** The `current/target [====>....]` part, 30 characters wide like Keras. */
export function formatBar(current: number, target: number, width = 30): string {
  const digits = String(target).length;
  const filled = Math.floor((width * current) / target);
  let bar = '';
  if (filled > 0) bar = '='.repeat(filled - 1) + (current < target ? '>' : '=');
  bar += '.'.repeat(width - filled);
  return `${String(current).padStart(digits)}/${target} [${bar}]`;
}

/** Options of {@link Progbar}. */
export interface ProgbarOptions {
  /** Output (default process.stdout). */
  sink?: Sink;
  /** Live redraw; default `sink.isTTY`. */
  live?: boolean;
  /** Unit for the per-unit time (default `step`). */
  unit?: string;
  /** Clock in seconds (tests inject one). */
  now?: () => number;
  /** Seconds already spent before a resume (counted in the final time). */
  elapsedBefore?: number;
  /** Minimum seconds between live redraws (default 0.1). */
  interval?: number;
}

/** A progress bar over `target` units. */
export class Progbar {
  private readonly sink: Sink;
  private readonly live: boolean;
  private readonly unit: string;
  private readonly now: () => number;
  private readonly start: number;
  private readonly elapsedBefore: number;
  private readonly interval: number;
  private lastDraw = -Infinity;
  private lastLen = 0;
  private startUnits = 0;

  constructor(
    readonly target: number,
    opts: ProgbarOptions = {},
  ) {
    this.sink = opts.sink ?? process.stdout;
    this.live = opts.live ?? Boolean(this.sink.isTTY);
    this.unit = opts.unit ?? 'step';
    this.now = opts.now ?? (() => performance.now() / 1000);
    this.start = this.now();
    this.elapsedBefore = opts.elapsedBefore ?? 0;
    this.interval = opts.interval ?? 0.1;
  }

  /** Units already done when this bar started (a resumed epoch); excluded from the rate. */
  setStartUnits(n: number): void {
    this.startUnits = n;
  }

  /** Seconds since the bar started, plus `elapsedBefore`. */
  elapsed(): number {
    return this.now() - this.start + this.elapsedBefore;
  }

  private metricsText(values: [string, number][]): string {
    return values.map(([k, v]) => ` - ${k}: ${formatMetric(v)}`).join('');
  }

  /** Redraws (TTY only) with `current` units done and the running `values`. */
  update(current: number, values: [string, number][] = []): void {
    if (!this.live || current >= this.target) return;
    const t = this.now();
    if (t - this.lastDraw < this.interval && current > 0) return;
    this.lastDraw = t;
    const done = current - this.startUnits;
    const spent = t - this.start;
    const eta = done > 0 ? (spent / done) * (this.target - current) : 0;
    const line = `${formatBar(current, this.target)} - ETA: ${formatEta(eta)}${this.metricsText(values)}`;
    const pad = this.lastLen > line.length ? ' '.repeat(this.lastLen - line.length) : '';
    this.sink.write(`\r${line}${pad}`);
    this.lastLen = line.length;
  }

  /** Prints the final line: bar, total time, time per unit, then `values`; returns it. */
  finish(values: [string, number][] = []): string {
    const total = this.elapsed();
    const units = Math.max(1, this.target);
    const line = `${formatBar(this.target, this.target)} - ${total.toFixed(0)}s ${formatPerUnit(total / units, this.unit)}${this.metricsText(values)}`;
    const pad = this.live && this.lastLen > line.length ? ' '.repeat(this.lastLen - line.length) : '';
    this.sink.write(`${this.live ? '\r' : ''}${line}${pad}\n`);
    return line;
  }

  /** Ends a live line without a final summary (used on interrupt). */
  abandon(note: string): void {
    this.sink.write(`${this.live ? '\n' : ''}${note}\n`);
  }
}
