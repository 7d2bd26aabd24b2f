/**
 * A backward pass that frees memory as it goes, for tfjs-core 4.22's engine.
 *
 * tfjs' `engine.gradients` walks the tape backwards and keeps every
 * intermediate gradient, and every tensor the forward pass saved for it, until
 * the whole backward pass is over. At batch 2048 of demo4's network that is
 * ≈ 330 MB of gradients on top of ≈ 400 MB of saved activations at the end of
 * the pass. Here, once a node's input gradients are computed, nothing will
 * read its output gradients again (every consumer of an output comes later on
 * the tape, so it was visited earlier on the way back) nor its saved tensors
 * (each node saves its own references): both are freed at that point, when the
 * gradient is a first-order one (`gradientDepth` 0, where tfjs frees the saved
 * tensors at the end anyway). The arithmetic is tfjs' own, node for node, so
 * the gradients are the same bits (tested).
 *
 * {@link installFrugalBackprop} replaces the `gradients` method of the engine
 * `tf.engine()` returns (tf.grad, tf.variableGrads, optimizers, layers' fit all
 * go through it); it reads the engine's tape (`state.activeTape`), which is
 * tfjs-core internals of the pinned 4.22 — checked at install, with a named
 * error when they differ.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A tape node as tfjs-core 4.22 records it. */
export interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The engine members used here (tfjs-core 4.22). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: GradientsFn;
}

type GradientsFn = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

/**
 * The nodes of `tape` on a path from one of `xs` to `y`, in tape order, each
 * with only its inputs that depend on `xs` (the ones that need a gradient).
 */
export function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodeFromX.add(node.id);
      node.outputs.forEach((o) => fromX.add(o.id));
    }
  }
  const toY = new Set([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodeToY.add(node.id);
      Object.values(node.inputs).forEach((t) => toY.add(t.id));
    }
  }
  return tape
    .filter((n) => nodeFromX.has(n.id) && nodeToY.has(n.id))
    .map((n) => ({
      ...n,
      inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))),
    }));
}

/** Whether `t` is still the gradient of some tensor in `map`. */
const mapped = (map: Map<number, tf.Tensor>, t: tf.Tensor) => [...map.values()].includes(t);

/** One node's input gradients, accumulated into `map` (tfjs' checks and messages). */
function nodeGradients(engine: EngineInternals, map: Map<number, tf.Tensor>, node: TapeNode, free: boolean): void {
  if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  const fns = node.gradient(node.outputs.map((o) => map.get(o.id) ?? null));
  for (const name of Object.keys(node.inputs)) {
    const fn = fns[name];
    if (!fn)
      throw new Error(
        `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(fns).join(',')}.`,
      );
    const dx = engine.tidy(() => fn());
    if (dx.dtype !== 'float32') {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
      );
    }
    const x = node.inputs[name]!;
    if (!tf.util.arraysEqual(dx.shape, x.shape)) {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape.join(',')}', which does not match the shape of the input '${x.shape.join(',')}'`,
      );
    }
    const current = map.get(x.id);
    if (!current) {
      map.set(x.id, dx);
      continue;
    }
    map.set(x.id, tf.add(current, dx));
    if (!mapped(map, current)) current.dispose();
    if (free && !mapped(map, dx)) dx.dispose();
  }
}

/** The frugal `gradients` for `engine` (same contract as tfjs-core's). */
function frugalGradients(engine: EngineInternals): GradientsFn {
  return (f, xs, dy, allowNoGradients = false) => {
    tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    engine.startTape();
    let y: tf.Tensor;
    try {
      y = engine.tidy('forward', f);
    } finally {
      engine.endTape();
    }
    tf.util.assert(y instanceof tf.Tensor, () => 'The result y returned by f() must be a tensor.');
    const tape = engine.state.activeTape ?? [];
    const nodes = nodesFromXsToY(tape, xs, y);
    if (!allowNoGradients && nodes.length === 0 && xs.length > 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.',
      );
    }
    return engine.tidy('backward', () => {
      const firstOrder = engine.state.gradientDepth === 0;
      const seed = dy ?? tf.ones(y.shape);
      const map = new Map<number, tf.Tensor>([[y.id, seed]]);
      const xIds = new Set(xs.map((x) => x.id));
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i]!;
        nodeGradients(engine, map, node, firstOrder);
        if (!firstOrder) continue;
        for (const o of node.outputs) {
          const g = map.get(o.id);
          if (!g || xIds.has(o.id)) continue;
          map.delete(o.id);
          if (g !== dy && !mapped(map, g)) g.dispose();
        }
        node.saved?.forEach((t) => t.dispose());
      }
      const grads = xs.map((x) => map.get(x.id)!);
      if (firstOrder) {
        tape.forEach((node) => node.saved?.forEach((t) => t.dispose()));
        engine.state.activeTape = null;
      }
      return { value: y, grads };
    });
  };
}

/**
 * Makes `tf.engine()` free intermediate gradients and saved activations during
 * the backward pass (see the module comment). Idempotent; returns a function
 * that restores tfjs' own method.
 */
export function installFrugalBackprop(): () => void {
  const engine = tf.engine() as unknown as EngineInternals & Record<string, unknown>;
  const ok =
    typeof engine.startTape === 'function' &&
    typeof engine.endTape === 'function' &&
    typeof engine.state === 'object' &&
    typeof engine.state.gradientDepth === 'number';
  if (!ok) {
    throw new Error(
      `installFrugalBackprop: this tfjs-core (${tf.version_core}) does not expose the engine tape it was written for (4.22.0). Do not install it; tfjs' own backward pass is exact, only hungrier.`,
    );
  }
  if (!Object.prototype.hasOwnProperty.call(engine, 'gradients')) {
    engine.gradients = frugalGradients(engine);
  }
  return uninstallFrugalBackprop;
}

/** Puts tfjs' own backward pass back (a no-op when the frugal one is not installed). */
export function uninstallFrugalBackprop(): void {
  delete (tf.engine() as unknown as Record<string, unknown>)['gradients'];
}
