import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isCondensable } from '@lipnet/layers';
import { LipnetError } from '@lipnet/core';
import type { MergeBoundResult } from './handler-registry';

const fail = (layer: tfl.layers.Layer, what: string) =>
  new LipnetError({
    code: 'VERIFICATION_FAILED',
    who: 'lipschitzUpperBound',
    message: `layer '${layer.name}' (${layer.getClassName()}) ${what}: the layer does not compute what its className promises. Register a correct handler with registerLipschitzBoundHandler('${layer.getClassName()}', …).`,
  });

/**
 * Random-pair spot check of a one-input layer's bound against its own forward pass:
 * ‖f(x + d) − f(x)‖ ≤ bound·‖d‖ for a large and a small perturbation; throws otherwise.
 */
export function spotCheck(
  layer: tfl.layers.Layer,
  f: (x: tf.Tensor) => tf.Tensor,
  inputShape: number[],
  bound: number,
  seed: number,
): void {
  const worst = tf.tidy(() => {
    let w = 0;
    for (const [i, scale] of [1, 0.05].entries()) {
      const x = tf.randomNormal(inputShape, 0, 1, 'float32', seed + 2 * i);
      const d = tf.mul(tf.randomNormal(inputShape, 0, 1, 'float32', seed + 2 * i + 1), scale);
      const num = tf.norm(tf.sub(f(tf.add(x, d)), f(x))).dataSync()[0]!;
      w = Math.max(w, num / tf.norm(d).dataSync()[0]!);
    }
    return w;
  });
  if (worst > bound * (1 + 1e-3) + 1e-6) {
    throw fail(
      layer,
      `moved a random pair apart by a factor ${worst.toPrecision(6)}, above its computed bound ${bound.toPrecision(6)}`,
    );
  }
}

/** The bound a merge rule gives from its inputs' bounds. */
export function combineMerge(rule: MergeBoundResult, bounds: number[]): number {
  if (rule.merge === 'l2') return Math.sqrt(bounds.reduce((s, b) => s + b * b, 0));
  return bounds.reduce((s, b, i) => s + Math.abs(rule.weights?.[i] ?? 1) * b, 0);
}

/** Spot check of a merge rule: ‖f(x + d) − f(x)‖ ≤ rule(‖d_1‖, …, ‖d_m‖) on random inputs. */
export function spotCheckMerge(
  layer: tfl.layers.Layer,
  shapes: number[][],
  rule: MergeBoundResult,
  callArgs: Record<string, unknown>,
  seed: number,
): void {
  const [lhs, rhs] = tf.tidy(() => {
    const xs = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', seed + i));
    const ds = shapes.map((s, i) => tf.mul(tf.randomNormal(s, 0, 1, 'float32', seed + 100 + i), 0.1 * (i + 1)));
    const f = (ins: tf.Tensor[]) => layer.apply(ins, callArgs) as tf.Tensor;
    const moved = xs.map((x, i) => tf.add(x, ds[i]!));
    const num = tf.norm(tf.sub(f(moved), f(xs))).dataSync()[0]!;
    return [
      num,
      combineMerge(
        rule,
        ds.map((d) => tf.norm(d).dataSync()[0]!),
      ),
    ];
  });
  if (lhs > rhs * (1 + 1e-3) + 1e-6) {
    throw fail(
      layer,
      `moved random inputs apart by ${lhs.toPrecision(6)}, above what its merge rule allows (${rhs.toPrecision(6)})`,
    );
  }
}

/**
 * The plain layers a @lipnet Condensable layer exports to — the kernel it *runs*, not a certified
 * rescale (`vanillaExportLayers({certify: false})`) — or the layer itself.
 */
export function exportParts(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  const ex = layer as unknown as { vanillaExportLayers?: (o?: { certify?: boolean }) => tfl.layers.Layer[] };
  if (typeof ex.vanillaExportLayers === 'function') return ex.vanillaExportLayers({ certify: false });
  if (isCondensable(layer)) return [layer.vanillaExport()];
  return [layer];
}

/** Throws unless the exported layers compute what the layer computes (same outputs on a random input). */
export function checkExport(layer: tfl.layers.Layer, parts: tfl.layers.Layer[], shape: number[], seed: number): void {
  const [diff, scale] = tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, 'float32', seed);
    const a = layer.apply(r) as tf.Tensor;
    let b: tf.Tensor = r;
    for (const p of parts) b = p.apply(b) as tf.Tensor;
    if (a.shape.join() !== b.shape.join()) return [Infinity, 1];
    return [tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!, tf.max(tf.abs(a)).dataSync()[0]!];
  });
  if (!(diff <= 1e-4 * (1 + scale))) {
    throw new LipnetError({
      code: 'VERIFICATION_FAILED',
      who: 'lipschitzUpperBound',
      message: `layer '${layer.name}' (${layer.getClassName()}): its vanilla export computes different outputs than the layer itself (max |Δ| = ${diff}), so a bound on the export would not bound the running layer. Check that the layer's normalised weights are up to date.`,
    });
  }
}

/** Disposes a layer made for the bound (an export part), even if it was never applied. */
export function disposeQuietly(l: tfl.layers.Layer): void {
  try {
    l.dispose();
  } catch {
    const w = l as unknown as { built: boolean; disposeWeights?: () => number };
    if (w.built && typeof w.disposeWeights === 'function') w.disposeWeights();
  }
}
