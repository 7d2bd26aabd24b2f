/**
 * Training checkpoints: one file holding the model weights (trainable and not,
 * e.g. the power-iteration vectors), the optimizer state (`optimizer.getWeights()`:
 * the iteration count and Adam's first and second moments, plus Adam's running
 * β-powers so a resume is bit-exact), the epoch / step reached, the history,
 * the shuffle RNG state and the run settings. Written atomically.
 *
 * Layout (format 2): `LIPNETCK` (8 bytes) · uint32 LE format version · uint32 LE header
 * length · header JSON (UTF-8) · zero padding to a multiple of 4 · tensor data (float32 /
 * int32, little-endian, in header order) · SHA-256 (32 bytes) of everything before it, so
 * an edited header is refused as surely as damaged data.
 *
 * Two generations are kept: saving renames the previous `checkpoint.bin` to
 * `checkpoint.prev.bin` first; {@link readResumeCheckpoint} falls back to it
 * when the newest one is damaged.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from '../pipeline/atomic-write';
import { CheckpointError } from '../errors';
import type { RngState } from './rng';

const MAGIC = 'LIPNETCK';
const FORMAT_VERSION = 2;
const HASH_BYTES = 32;

/** Settings that must not change between a run and its resume. */
export interface RunSettings {
  batchSize: number;
  trainLimit: number | null;
  /** Validation images (null: all); another value would mix two validation histories. */
  valLimit: number | null;
  seed: number;
  learningRate: number;
  /** Free-form description of model + loss (compared verbatim). */
  modelSignature: string;
  /** `--conv-normalization` (absent in checkpoints written before the flag: those are 'deel-lip'). */
  convNormalization?: string;
  /** SHA-256 of the data files' MD5s (another copy of the data would mix two trainings). */
  data: string;
}

/** Where training stands. */
export interface TrainProgress {
  /** Epochs fully completed (validation included). */
  epoch: number;
  /** Steps completed inside epoch `epoch` (0 at an epoch boundary). */
  step: number;
  /** Shuffle RNG state at the start of epoch `epoch` (its permutation is redrawn from it). */
  rngState: RngState;
  /** Running sums of the partial epoch: `sums[key]` = Σ batch value × batch size, `count` = Σ batch sizes. */
  partial: { sums: Record<string, number>; count: number; elapsed: number };
  /** Per-epoch metrics, Keras `History.history` style. */
  history: Record<string, number[]>;
  /** Wall seconds per completed epoch. */
  epochSeconds: number[];
}

/** Everything a checkpoint holds, besides the tensors themselves. */
export interface CheckpointHeader {
  format: 'demo4-checkpoint';
  createdAt: string;
  settings: RunSettings;
  progress: TrainProgress;
  tensors: {
    group: 'model' | 'optimizer';
    name: string;
    shape: number[];
    dtype: 'float32' | 'int32';
    byteOffset: number;
    byteLength: number;
  }[];
  /** Adam's accumulated β1^t and β2^t (private fields of tfjs' AdamOptimizer), when present. */
  adamBetaPowers?: [number, number];
  /** The run (run.json's `runId`) this checkpoint belongs to. */
  runId: string;
}

/** The private fields of tfjs-core's AdamOptimizer that `setWeights` recomputes with `pow` (1-ulp different). */
interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Serialises model + optimizer + progress into checkpoint bytes. */
export async function encodeCheckpoint(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  settings: RunSettings,
  progress: TrainProgress,
  runId = '',
): Promise<Buffer> {
  const entries: { group: 'model' | 'optimizer'; name: string; tensor: tf.Tensor }[] = [];
  for (const w of model.weights) entries.push({ group: 'model', name: w.originalName, tensor: w.read() });
  const optWeights = await optimizer.getWeights();
  for (const w of optWeights) entries.push({ group: 'optimizer', name: w.name, tensor: w.tensor });
  const chunks: Buffer[] = [];
  const tensors: CheckpointHeader['tensors'] = [];
  let offset = 0;
  for (const e of entries) {
    const dtype = e.tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = await e.tensor.data();
    const arr = dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    const buf = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    tensors.push({
      group: e.group,
      name: e.name,
      shape: e.tensor.shape.slice(),
      dtype,
      byteOffset: offset,
      byteLength: buf.length,
    });
    chunks.push(buf);
    offset += buf.length;
  }
  tf.dispose(optWeights.map((w) => w.tensor).filter((t) => t.dtype === 'int32'));
  const data = Buffer.concat(chunks);
  const adam = optimizer as unknown as AdamInternals;
  const header: CheckpointHeader = {
    format: 'demo4-checkpoint',
    createdAt: new Date().toISOString(),
    settings,
    progress,
    tensors,
    adamBetaPowers:
      adam.accBeta1 && adam.accBeta2 ? [(await adam.accBeta1.data())[0]!, (await adam.accBeta2.data())[0]!] : undefined,
    runId,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((16 + json.length) % 4)) % 4;
  const pre = Buffer.alloc(16);
  pre.write(MAGIC, 0, 'ascii');
  pre.writeUInt32LE(FORMAT_VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  const body = Buffer.concat([pre, json, Buffer.alloc(pad), data]);
  return Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]);
}

/** The previous generation's file name: `checkpoint.bin` → `checkpoint.prev.bin`. */
export function previousGeneration(file: string): string {
  return file.replace(/(\.bin)?$/, '.prev.bin');
}

/**
 * Writes a checkpoint atomically to `file`, first keeping the one there as the
 * previous generation ({@link previousGeneration}).
 */
export async function saveCheckpoint(
  file: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  settings: RunSettings,
  progress: TrainProgress,
  runId = '',
): Promise<void> {
  const bytes = await encodeCheckpoint(model, optimizer, settings, progress, runId);
  if (fs.existsSync(file)) fs.renameSync(file, previousGeneration(file));
  writeFileAtomic(file, bytes);
}

/** A decoded checkpoint: header plus one typed array per tensor. */
export interface LoadedCheckpoint {
  header: CheckpointHeader;
  values: (Float32Array | Int32Array)[];
}

/** Reads and verifies a checkpoint file (magic, version, SHA-256 of header and data, header). */
export function readCheckpoint(file: string): LoadedCheckpoint {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointError(
      `demo4: cannot read checkpoint ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). ` +
        'Run without --resume to start a new run, or pass the --out folder of the run to resume.',
    );
  }
  const bad = (why: string) =>
    new CheckpointError(
      `demo4: checkpoint ${file} is unusable: ${why}. Start over with --restart (or in another --out folder).`,
    );
  if (bytes.length < 16 || bytes.toString('ascii', 0, 8) !== MAGIC) throw bad('not a demo4 checkpoint (bad magic)');
  const version = bytes.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw bad(`format version ${version}, this demo4 reads ${FORMAT_VERSION}`);
  const body = bytes.subarray(0, Math.max(16, bytes.length - HASH_BYTES));
  if (!crypto.createHash('sha256').update(body).digest().equals(bytes.subarray(body.length)))
    throw bad('its SHA-256 does not match its header and data (edited, truncated or corrupted)');
  const len = bytes.readUInt32LE(12);
  if (16 + len > body.length) throw bad('truncated header');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', 16, 16 + len)) as CheckpointHeader;
  } catch {
    throw bad('header is not valid JSON');
  }
  const data = body.subarray(16 + len + ((4 - ((16 + len) % 4)) % 4));
  const values = header.tensors.map((t) => {
    if (t.byteOffset + t.byteLength > data.length) throw bad(`tensor ${t.name} lies outside the data`);
    const copy = new Uint8Array(data.subarray(t.byteOffset, t.byteOffset + t.byteLength)).buffer;
    return t.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
  });
  return { header, values };
}

/**
 * The checkpoint to resume from: `file`, or — when it is missing or damaged
 * and the previous generation is sound — that one, with a warning.
 */
export function readResumeCheckpoint(file: string, log: (line: string) => void): LoadedCheckpoint & { file: string } {
  const prev = previousGeneration(file);
  try {
    return { ...readCheckpoint(file), file };
  } catch (err) {
    if (!(err instanceof CheckpointError) || !fs.existsSync(prev)) throw err;
    let older: LoadedCheckpoint;
    try {
      older = readCheckpoint(prev);
    } catch (err2) {
      throw new CheckpointError(`${err.message}\nThe previous generation is unusable too: ${(err2 as Error).message}`);
    }
    const p = older.header.progress;
    log(
      `Warning: ${err.message.replace(/^demo4: /, '').replace(/\. Start over.*$/, '')}; ` +
        `resuming from the previous generation ${prev} (epoch ${p.epoch}, step ${p.step}).`,
    );
    return { ...older, file: prev };
  }
}

/** Throws a {@link CheckpointError} naming every setting that differs. */
export function assertSameSettings(file: string, saved: RunSettings, now: RunSettings): void {
  const diffs = (Object.keys(saved) as (keyof RunSettings)[])
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(now[k]))
    .map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(now[k])}`);
  if (diffs.length) {
    throw new CheckpointError(
      `demo4: cannot resume from ${file}: the run settings differ (${diffs.join('; ')}). ` +
        'Resume with the same flags as the interrupted run (only --epochs may grow), or start a new run in another --out folder.',
    );
  }
}

/**
 * Restores model weights and optimizer state from a loaded checkpoint. Weights
 * are matched by order and shape (names can differ between processes).
 */
export async function restoreCheckpoint(
  file: string,
  ck: LoadedCheckpoint,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
): Promise<void> {
  const modelEntries = ck.header.tensors.map((t, i) => ({ t, v: ck.values[i]! })).filter((e) => e.t.group === 'model');
  const weights = model.weights;
  if (modelEntries.length !== weights.length) {
    throw new CheckpointError(
      `demo4: checkpoint ${file} holds ${modelEntries.length} model weights, the model has ${weights.length}. It was written by a different model; start a new run without --resume.`,
    );
  }
  const values: tf.Tensor[] = [];
  weights.forEach((w, i) => {
    const e = modelEntries[i]!;
    if (JSON.stringify(e.t.shape) !== JSON.stringify(w.shape)) {
      throw new CheckpointError(
        `demo4: checkpoint ${file}: weight #${i} (${e.t.name}) has shape [${e.t.shape.join(', ')}], the model's ${w.originalName} has [${w.shape.join(', ')}]. Start a new run without --resume.`,
      );
    }
    values.push(tf.tensor(e.v, e.t.shape, e.t.dtype));
  });
  model.setWeights(values);
  tf.dispose(values);
  const optEntries = ck.header.tensors
    .map((t, i) => ({ t, v: ck.values[i]! }))
    .filter((e) => e.t.group === 'optimizer');
  if (optEntries.length > 0) {
    const named = optEntries.map((e) => ({ name: e.t.name, tensor: tf.tensor(e.v, e.t.shape, e.t.dtype) }));
    await optimizer.setWeights(named);
    // setWeights wraps the moments in new variables (sharing data); our tensors can go
    tf.dispose(named.map((n) => n.tensor));
    const adam = optimizer as unknown as AdamInternals;
    const powers = ck.header.adamBetaPowers;
    if (powers && adam.accBeta1 && adam.accBeta2) {
      tf.tidy(() => {
        adam.accBeta1!.assign(tf.scalar(powers[0]));
        adam.accBeta2!.assign(tf.scalar(powers[1]));
      });
    }
  }
}
