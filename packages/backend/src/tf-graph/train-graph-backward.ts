import { FUSED_KERNELS } from '@lipnet/core';
import { type GraphBuilder, bool, str, type } from './graph-builder';
import { CONV_SORT_POOL_OPS } from './conv-sort-pool-ops';
import { WINOGRAD_OPS } from './winograd-ops';
import { convAttrs } from './graph-layers';
import { poolAttrs, weightlessBackward } from './graph-weightless';
import type { Linear, LinearInput, TrainEntry } from './train-graph-forward';

const F = { T: type('float') };

/** Emits one backward step at a time; records the forward nodes it reads (fed to the backward run). */
class BackwardEmitter {
  readonly saved: string[] = [];
  /** Per layer index, [∂L/∂W̄, ∂L/∂b]. */
  readonly grads = new Map<number, string[]>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly placeholders: ReadonlySet<string>,
  ) {}

  /** `node` of the forward pass, read by the backward pass. */
  fwd(node: string): string {
    if (!this.placeholders.has(node) && !this.saved.includes(node)) this.saved.push(node);
    return node;
  }

  /** ∂L/∂input of `e` from ∂L/∂output `d` (undefined when `first`: the input needs none). */
  step(e: TrainEntry, d: string, first: boolean): string | undefined {
    const g = this.g;
    switch (e.kind) {
      case 'plain':
        if (first) return undefined;
        // Flatten's gradient reads only the shape: h is not fed back for it.
        return weightlessBackward(g, e.spec, e.spec.kind === 'flatten' ? e.h : this.fwd(e.h), e.hShape, d);
      case 'firstConvSortPool': {
        const attrs = { ...poolAttrs(e.pool, true), padding: str(e.spec.padding) };
        const r = g.op(CONV_SORT_POOL_OPS.grad, [this.fwd(e.h), e.w[0]!, e.w[1]!, d], attrs);
        this.grads.set(e.index, [`${r}:0`, `${r}:1`]);
        return undefined;
      }
      case 'convSortPool': {
        const r = g.op(FUSED_KERNELS.biasPairSortL2PoolGrad, [this.fwd(e.z), e.w[1]!, d], poolAttrs(e.pool, true));
        return this.linearGrads(e.spec, e, `${r}:0`, `${r}:1`, first);
      }
      case 'linear': {
        const [dz, db] = this.activationGrad(e, d);
        return this.linearGrads(e.spec, e, dz, db, first);
      }
    }
  }

  /** [∂L/∂z, ∂L/∂b or undefined] of a linear entry from ∂L/∂y. */
  private activationGrad(e: Extract<TrainEntry, { kind: 'linear' }>, d: string): [string, string | undefined] {
    const g = this.g;
    const b = e.w[1];
    if (e.spec.act === 'groupSort2' && b) {
      const r = g.op(FUSED_KERNELS.biasPairSortGrad, [this.fwd(e.z), b, d]);
      return [`${r}:0`, `${r}:1`];
    }
    let dz = d;
    if (e.spec.act === 'groupSort2') dz = g.op(FUSED_KERNELS.pairSortGrad, [this.fwd(e.z), d]);
    if (e.spec.act === 'relu') dz = g.f('ReluGrad', d, this.fwd(e.y));
    if (!b) return [dz, undefined];
    const axes = g.int32s(e.hShape.slice(0, -1).map((_, i) => i));
    return [dz, g.op('Sum', [dz, axes], { ...F, Tidx: type('int32'), keep_dims: bool(false) })];
  }

  /** ∂L/∂W̄ (and the given ∂L/∂b) of linear layer `e`, recorded; returns ∂L/∂h unless `first`. */
  private linearGrads(
    spec: Linear,
    e: LinearInput,
    dz: string,
    db: string | undefined,
    first: boolean,
  ): string | undefined {
    const g = this.g;
    const h = this.fwd(e.h);
    const w = e.w[0]!;
    let dw: string;
    if (spec.kind === 'dense')
      dw = g.op('MatMul', [h, dz], { ...F, transpose_a: bool(true), transpose_b: bool(false) });
    else if (e.winograd) dw = g.op(WINOGRAD_OPS.backpropFilter, [h, dz]);
    else dw = g.op('Conv2DBackpropFilter', [h, g.int32s(e.kernelShape), dz], convAttrs(spec));
    this.grads.set(e.index, db ? [dw, db] : [dw]);
    if (first) return undefined;
    if (spec.kind === 'dense')
      return g.op('MatMul', [dz, w], { ...F, transpose_a: bool(false), transpose_b: bool(true) });
    if (e.winograd) return g.op(WINOGRAD_OPS.backpropInput, [w, dz]);
    return g.op('Conv2DBackpropInput', [g.int32s(e.hShape), w, dz], convAttrs(spec));
  }
}

/**
 * The backward pass of `entries` from the placeholder `dy` (∂L/∂logits):
 * per layer index its [∂L/∂W̄, ∂L/∂b] nodes, and the forward nodes it reads
 * (not placeholders), in a fixed order. The first entry computes no ∂L/∂input.
 */
export function emitTrainBackward(
  g: GraphBuilder,
  entries: readonly TrainEntry[],
  dy: string,
): { saved: string[]; grads: Map<number, string[]> } {
  const em = new BackwardEmitter(g, new Set(g.feeds.map((f) => f.name)));
  let d: string | undefined = dy;
  for (let i = entries.length - 1; i >= 0 && d !== undefined; i--) d = em.step(entries[i]!, d, i === 0);
  return { saved: em.saved, grads: em.grads };
}
