import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LipnetError } from '@lipnet/core';
import {
  boundHandler,
  supportedClassNames,
  unsupported,
  type LayerBoundResult,
  type MergeBoundResult,
} from './handler-registry';
import { checkExport, combineMerge, disposeQuietly, exportParts, spotCheck, spotCheckMerge } from './layer-checks';

/** What bounding one layer call gives. */
export interface NodeBound {
  /** The layer's own constant (unary) or, for a merge, its constant on the concatenated inputs. */
  bound: number;
  estimate: number;
  method: string;
  exportedAs?: string;
  /** The output's bound from the inputs' bounds. */
  propagate: (inputs: number[]) => number;
  /** The output's estimate from the inputs' estimates. */
  propagateEstimate: (inputs: number[]) => number;
  /** For a linear Dense: its kernel (per-head bounds). */
  linearKernel?: LayerBoundResult['linearKernel'];
}

const isMerge = (r: LayerBoundResult | MergeBoundResult): r is MergeBoundResult => 'merge' in r;

function checked(layer: tfl.layers.Layer, cls: string, r: LayerBoundResult): LayerBoundResult {
  if (!(r.bound >= 0) || !Number.isFinite(r.bound)) {
    throw new LipnetError({
      code: 'VERIFICATION_FAILED',
      who: 'lipschitzUpperBound',
      message: `the handler for '${cls}' returned bound ${r.bound} for layer '${layer.name}'. A bound must be a finite number ≥ 0.`,
    });
  }
  return r;
}

/** Bounds a merge call (several inputs) by its className's combination rule, spot-checked. */
function mergeBound(
  layer: tfl.layers.Layer,
  shapes: number[][],
  callArgs: Record<string, unknown>,
  verify: boolean,
  seed: number,
): NodeBound {
  const cls = layer.getClassName();
  const h = boundHandler(cls);
  if (!h) {
    throw unsupported(
      layer,
      `takes ${shapes.length} inputs and has no known merge rule`,
      `Known merges: Add, Average, Subtract, Concatenate, Maximum, Minimum, LipResidual. Register one with registerLipschitzBoundHandler('${cls}', …) returning {merge: 'sum' | 'l2'}.`,
    );
  }
  const r = h(layer, shapes[0]!, shapes);
  if (!isMerge(r)) {
    throw unsupported(
      layer,
      `takes ${shapes.length} inputs but its handler gives a one-input bound`,
      'Return a merge rule.',
    );
  }
  if (verify) spotCheckMerge(layer, shapes, r, callArgs, seed);
  const joint = r.merge === 'l2' ? 1 : Math.sqrt(shapes.reduce((s, _, i) => s + (r.weights?.[i] ?? 1) ** 2, 0));
  const propagate = (ins: number[]) => combineMerge(r, ins);
  return { bound: joint, estimate: joint, method: r.method, propagate, propagateEstimate: propagate };
}

/**
 * Bounds a one-input call: a @lipnet Condensable layer through the plain layers it exports to (after
 * checking they compute the same outputs), any other layer by its className's handler; the product
 * over the parts, spot-checked on the running layer.
 */
function unaryBound(
  layer: tfl.layers.Layer,
  shape: number[],
  callArgs: Record<string, unknown>,
  verify: boolean,
  seed: number,
): NodeBound {
  const parts = exportParts(layer);
  const exported = parts[0] !== layer;
  try {
    if (exported) checkExport(layer, parts, shape, seed + 1000);
    let bound = 1;
    let estimate = 1;
    let partShape = shape;
    let linearKernel: LayerBoundResult['linearKernel'];
    const methods: string[] = [];
    for (const part of parts) {
      const cls = part.getClassName();
      const h = boundHandler(cls);
      if (!h) {
        throw unsupported(
          layer,
          `has no known Lipschitz bound${exported ? ` (its vanilla export contains a ${cls})` : ''}`,
          `Supported classNames: ${supportedClassNames().join(', ')}. Register one with registerLipschitzBoundHandler('${cls}', handler), or vanilla-export the model first.`,
        );
      }
      const res = h(part, partShape, [partShape]);
      if (isMerge(res)) throw unsupported(layer, 'has one input but its handler gives a merge rule', 'Return a bound.');
      const r = checked(layer, cls, res);
      bound *= r.bound;
      estimate *= r.estimate ?? r.bound;
      methods.push(parts.length > 1 ? `${cls}: ${r.method}` : r.method);
      linearKernel = r.linearKernel;
      if (parts.length > 1) partShape = tf.tidy(() => (part.apply(tf.zeros(partShape)) as tf.Tensor).shape.slice());
    }
    if (verify) spotCheck(layer, (t) => layer.apply(t, callArgs) as tf.Tensor, shape, bound, seed);
    return {
      bound,
      estimate,
      method: methods.join('; '),
      ...(exported ? { exportedAs: parts.map((p) => p.getClassName()).join(' + ') } : {}),
      propagate: ([b]) => bound * b!,
      propagateEstimate: ([e]) => estimate * e!,
      linearKernel,
    };
  } finally {
    if (exported) for (const p of parts) disposeQuietly(p);
  }
}

/** Bounds one layer call given its inputs' shapes (batch 1). */
export function nodeBound(
  layer: tfl.layers.Layer,
  shapes: number[][],
  callArgs: Record<string, unknown>,
  verify: boolean,
  seed: number,
): NodeBound {
  return shapes.length > 1
    ? mergeBound(layer, shapes, callArgs, verify, seed)
    : unaryBound(layer, shapes[0]!, callArgs, verify, seed);
}
