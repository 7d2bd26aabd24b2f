import type { CwStepInputs, CwStepOutputs, CwStepProblem } from '@lipnet/core';
import { GraphBuilder, bool, int, type } from './graph-builder';
import { emitForward, emitInputGradient, type GraphLayer } from './graph-layers';

/** What fixes one C&W step graph: @lipnet/core's problem (the batch, the attack's constants) and the model's graph layers. */
export type CwStepGraphSpec = Omit<CwStepProblem, 'model'> & { layers: readonly GraphLayer[] };

/**
 * The placeholders fed to a C&W step graph, in this order, then each layer's
 * weights (`weight_i_j`): each named as its field of @lipnet/core's
 * `CwStepInputs`, plus `b1`, `b2`, Adam's bias corrections 1 − 0.9ᵗ, 1 − 0.999ᵗ.
 */
export const CW_STEP_FEEDS = [
  'delta',
  'm',
  'v',
  'found',
  'bestAdv',
  'bestNorm',
  'c',
  'b1',
  'b2',
  'xAttack',
  'recon',
  'x',
  'onehot',
  'excluded',
  'shift',
  'classes',
] as const satisfies readonly (keyof CwStepInputs | 'b1' | 'b2')[];

export type CwStepFeed = (typeof CW_STEP_FEEDS)[number];

/** The fetched node of each field of @lipnet/core's `CwStepOutputs`. */
export const CW_STEP_FETCHES = {
  value: 'value',
  delta: 'delta_next',
  m: 'm_next',
  v: 'v_next',
  found: 'found_next',
  bestAdv: 'best_adv_next',
  bestNorm: 'best_norm_next',
} as const satisfies Record<keyof CwStepOutputs, string>;

const F = { T: type('float') };

function placeholders(g: GraphBuilder, s: CwStepGraphSpec): Record<CwStepFeed, string> {
  const n = s.inputShape[0]!;
  const img = s.inputShape;
  const cls = [n, s.numClasses];
  const dims: Record<CwStepFeed, ['float' | 'int32' | 'bool', number[]]> = {
    delta: ['float', img],
    m: ['float', img],
    v: ['float', img],
    found: ['bool', [n]],
    bestAdv: ['float', img],
    bestNorm: ['float', [n]],
    c: ['float', [n]],
    b1: ['float', []],
    b2: ['float', []],
    xAttack: ['float', img],
    recon: ['float', img],
    x: ['float', img],
    onehot: ['float', cls],
    excluded: ['float', cls],
    shift: ['float', cls],
    classes: ['int32', [n]],
  };
  const out = {} as Record<CwStepFeed, string>;
  for (const k of CW_STEP_FEEDS) out[k] = g.placeholder(k, dims[k][0], dims[k][1]);
  return out;
}

/** Sum over `axes` (int32 constant), no kept dims. */
function sum(g: GraphBuilder, x: string, axes: number[]): string {
  return g.op('Sum', [x, g.int32s(axes)], { ...F, Tidx: type('int32'), keep_dims: bool(false) });
}

function argMax(g: GraphBuilder, x: string): string {
  return g.op('ArgMax', [x, g.constant([1], 'int32', [])], { ...F, Tidx: type('int32'), output_type: type('int32') });
}

/**
 * Carlini & Wagner's objective and its gradient with respect to the logits
 * and x' (see @lipnet/attacks' `cwObjective`): [value, ∂L/∂z, ∂L/∂x'].
 */
function objective(g: GraphBuilder, s: CwStepGraphSpec, p: Record<string, string>, z: string, xp: string) {
  const other = g.f('Sub', z, p['excluded']!);
  const otherClass = argMax(g, other);
  const zOther = g.op('Max', [other, g.int32s([1])], { ...F, Tidx: type('int32'), keep_dims: bool(false) });
  const zClass = sum(g, g.f('Mul', z, p['onehot']!), [1]);
  const margin = s.targeted ? g.f('Sub', zOther, zClass) : g.f('Sub', zClass, zOther);
  const pre = g.f('AddV2', margin, g.scalar(s.kappa));
  const diff = g.f('Sub', xp, p['recon']!);
  const rank = s.inputShape.length;
  const value = g.f(
    'AddV2',
    sum(g, g.f('Mul', g.f('Relu', pre), p['c']!), [0]),
    sum(g, g.f('Square', diff), [...Array(rank).keys()]),
  );
  const active = g.op('Cast', [g.f('Greater', pre, g.scalar(0))], {
    SrcT: type('bool'),
    DstT: type('float'),
    Truncate: bool(false),
  });
  const w = g.f('Mul', active, p['c']!);
  const toOther = g.op('OneHot', [otherClass, g.constant([s.numClasses], 'int32', []), g.scalar(1), g.scalar(0)], {
    axis: int(-1),
    T: type('float'),
    TI: type('int32'),
  });
  const direction = s.targeted ? g.f('Sub', toOther, p['onehot']!) : g.f('Sub', p['onehot']!, toOther);
  const wCol = g.op('ExpandDims', [w, g.constant([1], 'int32', [])], { ...F, Tdim: type('int32') });
  return { value, dz: g.f('Mul', direction, wCol), dxp: g.f('Mul', diff, g.scalar(2)) };
}

/** Adam (β1 0.9, β2 0.999, ε 1e-8, bias-corrected by the fed b1, b2) on δ with gradient `grad`. */
function adam(g: GraphBuilder, s: CwStepGraphSpec, p: Record<string, string>, grad: string) {
  const m2 = g.f('AddV2', g.f('Mul', p['m']!, g.scalar(0.9)), g.f('Mul', grad, g.scalar(0.1)));
  const v2 = g.f('AddV2', g.f('Mul', p['v']!, g.scalar(0.999)), g.f('Mul', g.f('Square', grad), g.scalar(0.001)));
  const mHat = g.f('RealDiv', m2, p['b1']!);
  const vHat = g.f('RealDiv', v2, p['b2']!);
  const stepDir = g.f(
    'RealDiv',
    g.f('Mul', mHat, g.scalar(s.stepsize)),
    g.f('AddV2', g.f('Sqrt', vHat), g.scalar(1e-8)),
  );
  return { m2, v2, d2: g.f('Sub', p['delta']!, stepDir) };
}

/**
 * One step of foolbox's `L2CarliniWagnerAttack` as one TensorFlow graph (the
 * same operations as @lipnet/attacks' eager `adamStep`): x' = tanh(w₀ + δ)·b + a,
 * the logits, the objective, ∂L/∂δ through the model's input gradient, Adam,
 * and the best adversarials so far (`‖x' − x‖₂` smaller and adversarial).
 * Weight placeholders `weight_i_j` follow the {@link CW_STEP_FEEDS}.
 */
export function cwStepGraph(s: CwStepGraphSpec, weightShapes: number[][][]): GraphBuilder {
  const g = new GraphBuilder();
  const p = placeholders(g, s);
  const weightNames = weightShapes.map((ws, i) =>
    ws.map((shape, j) => g.placeholder(`weight_${i}_${j}`, 'float', shape)),
  );
  const t = g.f('Tanh', g.f('AddV2', p.xAttack, p.delta));
  const xp = g.f('AddV2', g.f('Mul', t, g.scalar(s.b)), g.scalar(s.a));
  const fwd = emitForward(g, s.layers, xp, s.inputShape, weightNames, weightShapes);
  const z = fwd.output;
  const obj = objective(g, s, p, z, xp);
  const dxp = g.f('AddV2', emitInputGradient(g, fwd, obj.dz), obj.dxp);
  const grad = g.f('Mul', dxp, g.f('Mul', g.f('Sub', g.scalar(1), g.f('Square', t)), g.scalar(s.b)));
  const { m2, v2, d2 } = adam(g, s, p, grad);
  const pred = argMax(g, g.f('AddV2', z, p.shift));
  const isAdv = g.op(s.targeted ? 'Equal' : 'NotEqual', [pred, p.classes], {
    T: type('int32'),
    incompatible_shape_error: bool(true),
  });
  const n = s.inputShape[0]!;
  const flat = g.op('Reshape', [g.f('Sub', xp, p.x), g.int32s([n, -1])], { ...F, Tshape: type('int32') });
  const nrm = g.f('Sqrt', sum(g, g.f('Square', flat), [1]));
  const better = g.op('LogicalAnd', [isAdv, g.f('Less', nrm, p.bestNorm)]);
  const out = CW_STEP_FETCHES;
  g.identity(obj.value, out.value);
  g.identity(d2, out.delta);
  g.identity(m2, out.m);
  g.identity(v2, out.v);
  g.identity(g.op('LogicalOr', [p.found, isAdv]), out.found, 'bool');
  g.identity(g.f('Select', better, xp, p.bestAdv), out.bestAdv);
  g.identity(g.f('Select', better, nrm, p.bestNorm), out.bestNorm);
  return g;
}
