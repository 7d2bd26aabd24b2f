import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type { ApiPb, GraphBuilder } from './graph-builder';

/** The parts of tfjs-node's backend that run a SavedModel session. */
interface SessionBackend {
  loadSavedModelMetaGraph(dir: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], infos: { name: string }[], outputs: string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
}

const TAG = 'serve';

/** A node's tensor name: `'node'` is output 0 (`'node:0'`); `'node:k'` stays. */
function tensorName(node: string): string {
  return node.includes(':') ? node : `${node}:0`;
}

/** tfjs-node's protobuf messages (`dist/proto/api_pb`), from the package that registered 'tensorflow'. */
export function loadApiPb(packageDir: string): ApiPb {
  const file = path.join(packageDir, 'dist', 'proto', 'api_pb.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- tfjs-node's generated protobuf classes, at a run-time path
  const mod = require(file) as Record<string, unknown>;
  return mod as unknown as ApiPb;
}

/**
 * A TensorFlow session of one graph on tfjs-node's 'tensorflow' backend: the
 * graph is written as a SavedModel into a fresh temporary folder, loaded
 * (TF_LoadSessionFromSavedModel) and the folder removed. {@link run} feeds the
 * placeholders in declaration order and returns the fetched nodes' output 0 as
 * tfjs tensors (tracked by tfjs: `tf.tidy` disposes them).
 */
export class GraphSession {
  private id: number | null;

  private constructor(
    private readonly backend: SessionBackend,
    id: number,
    private readonly feeds: { name: string }[],
    private readonly fetches: string[],
  ) {
    this.id = id;
  }

  /** Loads `graph` with fetches `fetches` (node names) into a session on the active 'tensorflow' backend. */
  static load(graph: GraphBuilder, pb: ApiPb, fetches: readonly string[]): GraphSession {
    const backend = tf.backend() as unknown as SessionBackend;
    if (tf.getBackend() !== 'tensorflow' || typeof backend.loadSavedModelMetaGraph !== 'function') {
      throw new Error(`GraphSession needs the 'tensorflow' backend (tfjs-node), got '${tf.getBackend()}'`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-graph-'));
    try {
      fs.writeFileSync(path.join(dir, 'saved_model.pb'), graph.toSavedModel(pb, TAG));
      const id = backend.loadSavedModelMetaGraph(dir, TAG);
      const feeds = graph.feeds.map((f) => ({ name: tensorName(f.name) }));
      return new GraphSession(backend, id, feeds, fetches.map(tensorName));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Runs the graph on `inputs` (one per placeholder, in order). */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    if (this.id === null) throw new Error('GraphSession: run() after dispose()');
    if (inputs.length !== this.feeds.length) {
      throw new Error(`GraphSession: expected ${this.feeds.length} inputs, got ${inputs.length}`);
    }
    const outs = this.backend.runSavedModel(this.id, inputs, this.feeds, this.fetches);
    return outs;
  }

  /**
   * Runs the graph feeding the tensors named `feeds` (placeholders or any
   * node's output, `'node'` or `'node:k'`: TensorFlow then skips what computes
   * them) with `inputs`, and returns the tensors named `fetches`.
   */
  runWith(feeds: readonly string[], inputs: tf.Tensor[], fetches: readonly string[]): tf.Tensor[] {
    if (this.id === null) throw new Error('GraphSession: runWith() after dispose()');
    if (inputs.length !== feeds.length) {
      throw new Error(`GraphSession: expected ${feeds.length} inputs, got ${inputs.length}`);
    }
    const infos = feeds.map((f) => ({ name: tensorName(f) }));
    return this.backend.runSavedModel(this.id, inputs, infos, fetches.map(tensorName));
  }

  /** Closes the session. Idempotent. */
  dispose(): void {
    if (this.id === null) return;
    this.backend.deleteSavedModel(this.id);
    this.id = null;
  }
}
