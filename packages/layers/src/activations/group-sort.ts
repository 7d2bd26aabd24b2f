import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LipschitzLayer } from '../lipschitz-layer';
import { checkKCoefLip, parseDataFormat } from './activation-checks';
import { FUSED_KERNELS, fusedBiasPairSort, fusedPairSort, hasFusedKernel } from '../fused-kernels';
import { LipnetInputError, LipnetOptionError, opt } from '@lipnet/core';
import { layerOptions, kCoefLipOption } from '../layer-options';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = Array<number | null>;

/** Arguments of {@link GroupSort}. */
export interface GroupSortArgs extends LayerArgs {
  /**
   * Group size: the last axis is cut into `C / n` groups of `n` adjacent
   * channels, (0..n−1), (n..2n−1)…, each sorted ascending. `null` (the default)
   * or any `n > C` sorts the whole last axis (FullSort). `n` must divide `C`.
   */
  n?: number | null;
  /** Only `'channelsLast'` (the default; deel-lip's `'channels_last'` is accepted), as in deel-lip. */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** Lipschitz constant: the sorted output is multiplied by it. Default 1. */
  kCoefLip?: number;
}

/**
 * Ascending sort of each row of a 2-D tensor `[rows, n]`, with the exact
 * (permutation) gradient. tfjs has no gradient for `TopK`, so the permutation
 * p is found with `topk(−x)` and applied with `gather`, inside `customGrad`;
 * the backward pass gathers `dy` with the inverse permutation p⁻¹ = argsort(p)
 * (TopK and GatherV2 only, kernels every tfjs backend has, wasm included).
 */
const sortRowsAscending = tf.customGrad<tf.Tensor>(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const [rows, n] = x.shape as [number, number];
  const { flatIdx, flatInv } = tf.tidy(() => {
    const perm = tf.topk(tf.neg(x), n, true).indices; // row-wise argsort, ascending
    const inv = tf.topk(tf.neg(tf.cast(perm, 'float32')), n, true).indices; // argsort of a permutation = its inverse
    const offsets = tf.expandDims(tf.range(0, rows * n, n, 'int32'), 1);
    return { flatIdx: tf.reshape(tf.add(perm, offsets), [-1]), flatInv: tf.reshape(tf.add(inv, offsets), [-1]) };
  });
  save([flatInv]);
  const value = tf.tidy(() => tf.reshape(tf.gather(tf.reshape(x, [-1]), flatIdx), [rows, n]));
  flatIdx.dispose();
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.reshape(tf.gather(tf.reshape(dy, [-1]), saved[0] as tf.Tensor1D), [rows, n]),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** A 2×2 matrix [[m₀₀, m₀₁], [m₁₀, m₁₁]] (row-major) acting on a pair as the row vector (a, b)·M. */
type PairMatrix = readonly [number, number, number, number];
/** (a, b) ↦ (b, a). */
const PAIR_SWAP: PairMatrix = [0, 1, 1, 0];
/** (a, b) ↦ (a − b, a − b): the order test of the pair, on both of its channels. */
const PAIR_DIFF: PairMatrix = [1, 1, -1, -1];

/**
 * Applies `M` to every adjacent pair of the last axis, (x₀, x₁)·M, (x₂, x₃)·M…,
 * as one GEMM of the `[-1, block]` view with the block-diagonal
 * `diag(M, …, M)` (`block / 2` copies). A GEMM is fast on every backend
 * (XNNPACK on wasm, where tfjs' `GatherV2`, `Reverse`, `Slice` and `SplitV`
 * are scalar loops), and a block of 8 runs 2.5× faster than 2 on wasm.
 * Exact for finite values when M has one nonzero ±1 per column (each output
 * is ±one input plus exact zeros), or for `PAIR_DIFF` one rounding of a − b
 * (its sign is exact). A ±Inf or NaN input makes NaN of the other outputs
 * of its block (∞ · 0 = NaN). `block` must be even and divide the last axis.
 */
function pairGemm(x: tf.Tensor, m: PairMatrix, block: number): tf.Tensor {
  return tf.tidy(() => {
    const w = new Float32Array(block * block);
    for (let p = 0; p < block; p += 2) {
      w[p * block + p] = m[0];
      w[p * block + p + 1] = m[1];
      w[(p + 1) * block + p] = m[2];
      w[(p + 1) * block + p + 1] = m[3];
    }
    return tf.reshape(tf.matMul(tf.reshape(x, [-1, block]), tf.tensor2d(w, [block, block])), x.shape);
  });
}

/**
 * How {@link sortPairsAscending} computes: `select` (boolean mask and
 * `where`; fastest on `tensorflow` and `cpu`), `masked` (0/1 float mask and
 * exact products; fastest on `wasm`, whose comparisons and `Select` are scalar
 * loops, 40 and 27 ms on 12.8 M values against 3 ms for `Step` and 6–7 ms for
 * `Mul`/`Sub`/`Add`) or `fused` (the backend's `LipnetPairSort` kernel, one
 * pass each way; see {@link FUSED_KERNELS}). `block` is the GEMM block of
 * {@link pairGemm} (unused by `fused`).
 */
export interface PairSortPlan {
  method: 'select' | 'masked' | 'fused';
  block: number;
}

/**
 * The plan {@link groupSortTensor} uses on the active backend for `c`
 * channels: `fused` when the backend registers `LipnetPairSort` and its
 * gradient, else `masked` on `wasm` and `select` elsewhere; block 2 on `cpu`
 * (whose JS GEMM pays for every zero), else the largest of 8, 4, 2 dividing
 * `c`. All methods give the same outputs and gradients; only speed differs.
 */
export function pairSortPlan(c: number, backend: string = tf.getBackend()): PairSortPlan {
  const block = backend === 'cpu' ? 2 : ([8, 4, 2].find((b) => c % b === 0) ?? 2);
  if (hasFusedKernel(FUSED_KERNELS.pairSort, FUSED_KERNELS.pairSortGrad, backend)) return { method: 'fused', block };
  return { method: backend === 'wasm' ? 'masked' : 'select', block };
}

/**
 * `select`: keep = (a − b ≤ 0) on both channels of each pair, from
 * `PAIR_DIFF`; y = where(keep, x, x̃) with x̃ the swapped pairs; the backward
 * is dx = where(keep, dy, swap(dy)). Saves a boolean mask (1 byte a value).
 */
function sortPairsSelect(block: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad<tf.Tensor>(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const { keep, value } = tf.tidy(() => {
      const keepMask = tf.lessEqual(pairGemm(x, PAIR_DIFF, block), 0);
      return { keep: keepMask, value: tf.where(keepMask, x, pairGemm(x, PAIR_SWAP, block)) };
    });
    save([keep]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => tf.where(saved[0]!, dy, pairGemm(dy, PAIR_SWAP, block))),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

/**
 * `masked`: s = step(a − b) ∈ {0, 1} (1: the pair is swapped; 0 at a tie)
 * on both channels of each pair, u = x·s (the swapped pairs, zeros elsewhere)
 * and y = (x − u) + swap(u): every sum has one exact zero term, so y is exact.
 * The backward is the same map of dy, with s recomputed from the saved input
 * x: the input is what the layer before keeps anyway (a fused conv or dense
 * saves its output), so nothing activation-sized is added to the tape — on
 * wasm, whose heap cannot shrink, memory is what limits the batch. Six passes
 * forward (two GEMMs, Step, Mul, Sub, Add), six backward, all XNNPACK-fast on
 * wasm; temporaries are freed as soon as they are used.
 */
function sortPairsMasked(block: number): (x: tf.Tensor) => tf.Tensor {
  const swapMask = (x: tf.Tensor) => tf.tidy(() => tf.step(pairGemm(x, PAIR_DIFF, block)));
  const permute = (v: tf.Tensor, s: tf.Tensor) => {
    const u = tf.mul(v, s);
    const kept = tf.sub(v, u);
    const moved = pairGemm(u, PAIR_SWAP, block);
    u.dispose();
    const out = tf.add(kept, moved);
    tf.dispose([kept, moved]);
    return out;
  };
  return tf.customGrad<tf.Tensor>(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const s = swapMask(x);
    const value = permute(x, s);
    s.dispose();
    save([x]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sBack = swapMask(saved[0]!);
        const dx = permute(dy, sBack);
        sBack.dispose();
        return dx;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
}

const pairSorters = new Map<string, (x: tf.Tensor) => tf.Tensor>();

/**
 * GroupSort with n = 2 along the last axis (even length) of a float32 tensor:
 * each pair (a, b) = (x₂ᵢ, x₂ᵢ₊₁) becomes (min(a, b), max(a, b)), exactly (a
 * permutation of the inputs; a −0 may come out as +0). The pair is swapped
 * iff a − b > 0 (the sign of a float difference is exact, overflow included).
 * The gradient is the permutation's: dx = dy on kept pairs, swapped dy on
 * swapped ones, so at a tie a = b each input gets its own dy once (identity),
 * as the general topk path does — not TF's `Minimum`/`Maximum` rule, which
 * gives both to a. `plan` (default {@link pairSortPlan} for the active
 * backend) only changes speed. Not for ±Inf or NaN: in the GEMM block (see
 * {@link pairGemm}) holding one, the finite pairs come out NaN (never an
 * unsorted number), its own pair NaN or its sorted values, and each gradient
 * NaN or one of its pair's dy; other blocks are unaffected. The `tensorflow`
 * backend flushes subnormals to zero, so there a subnormal compares equal to
 * 0 and such a pair may keep its order (as with the previous version).
 * @internal exported for the tests of both plans.
 */
export function sortPairsAscending(x: tf.Tensor, plan?: PairSortPlan): tf.Tensor {
  const c = x.shape[x.shape.length - 1] ?? 0;
  plan ??= pairSortPlan(c);
  if (!Number.isInteger(plan.block) || plan.block < 2 || plan.block % 2 !== 0 || c % plan.block !== 0) {
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: 'sortPairsAscending',
      option: 'plan.block',
      message:
        `expected \`plan.block\` to be an even divisor of the last dimension ${c}, got ${plan.block}. ` +
        'Pass 2, or use pairSortPlan(c).',
    });
  }
  if (plan.method === 'fused') return fusedPairSort(x);
  const key = `${plan.method}:${plan.block}`;
  let sorter = pairSorters.get(key);
  if (sorter === undefined) {
    sorter = plan.method === 'masked' ? sortPairsMasked(plan.block) : sortPairsSelect(plan.block);
    pairSorters.set(key, sorter);
  }
  return sorter(x);
}

/**
 * Sorts groups of `n` adjacent channels along the last axis of `x`
 * (n must divide the channel count), then multiplies by `k`. Pure function
 * behind {@link GroupSort}: n = 2 (float32) takes a pair fast path giving
 * deel-lip's `[min(a, b), max(a, b)]` per pair (see `sortPairsAscending`);
 * n = 1 is the identity.
 *
 * @throws ActivationConfigError when `n` is not a positive integer dividing the last dimension.
 */
export function groupSortTensor(x: tf.Tensor, n: number, k = 1): tf.Tensor {
  return tf.tidy(() => {
    const c = x.shape[x.shape.length - 1] ?? 0;
    if (!Number.isInteger(n) || n < 1 || c % n !== 0) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: 'groupSortTensor',
        option: 'n',
        message:
          `expected \`n\` to be a positive integer dividing the last dimension ${c}, got ${n}. ` +
          `Pass a divisor of ${c}.`,
      });
    }
    let y: tf.Tensor;
    if (n === 1) {
      y = tf.clone(x);
    } else if (n === 2 && x.dtype === 'float32') {
      y = sortPairsAscending(x);
    } else {
      y = tf.reshape(sortRowsAscending(tf.reshape(x, [-1, n])), x.shape);
    }
    return k === 1 ? y : tf.mul(y, tf.scalar(k, y.dtype));
  });
}

/** The options of GroupSort, declared once. */
const OPTIONS = layerOptions('GroupSort', { n: opt.any(), dataFormat: opt.any(), kCoefLip: kCoefLipOption });

/**
 * GroupSort activation (Anil, Lucas & Grosse, "Sorting out Lipschitz function
 * approximation", ICML 2019): `y = k · sort_n(x)`, where the last axis is split
 * into groups of `n` adjacent channels and each group is sorted ascending.
 * deel-lip: `deel.lip.layers.GroupSort(n=None, data_format="channels_last", k_coef_lip=1.0)`.
 *
 * Sorting permutes coordinates, so `x ↦ sort_n(x)` is norm preserving and
 * 1-Lipschitz in L2 (its Jacobian is a permutation matrix almost everywhere);
 * the layer is exactly `kCoefLip`-Lipschitz. `n = null` or `n > C` sorts the
 * whole channel axis (FullSort); `n` must divide C (checked at build).
 * Unlike deel-lip 1.2.0, whose n = 2 path skipped it, every path multiplies by k (as 1.3+).
 *
 * @example
 * groupSort({n: 2}).apply(tf.tensor([[3, 1, -2, 5]]))  // [[1, 3, -2, 5]]
 */
export class GroupSort extends tfl.layers.Layer implements LipschitzLayer {
  static className = 'GroupSort';
  readonly isLipschitz = true as const;
  kCoefLip: number;
  /** The group size as configured (`null` = whole channel axis). */
  readonly n: number | null;
  readonly dataFormat: 'channelsLast';
  /** Group size resolved at build time (n, or C when n is null or > C). */
  protected groupSize: number | null = null;

  constructor(args: GroupSortArgs = {}) {
    super(args);
    OPTIONS.parse(args, this.getClassName());
    const cls = (this.constructor as typeof GroupSort).className;
    const n = args.n ?? null;
    if (n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n < 1)) {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: cls,
        option: 'n',
        message:
          `expected \`n\` to be a positive integer or null, got ${String(n)}. ` +
          'Pass the group size (e.g. 2) or null for a full sort.',
      });
    }
    const dataFormat = parseDataFormat(args.dataFormat ?? 'channelsLast');
    if (dataFormat !== 'channelsLast') {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: cls,
        option: 'dataFormat',
        message:
          `expected \`dataFormat\` 'channelsLast', got '${String(args.dataFormat)}'. ` +
          'channelsFirst is not supported (as in deel-lip); transpose the input to NHWC.',
      });
    }
    this.n = n;
    this.dataFormat = dataFormat;
    this.kCoefLip = checkKCoefLip(cls, args.kCoefLip ?? 1);
  }

  /** Sets the Lipschitz constant (used by `sequential({kCoefLip})`). */
  setKCoefLip(k: number): void {
    this.kCoefLip = checkKCoefLip((this.constructor as typeof GroupSort).className, k);
  }

  /**
   * Exact L2 Lipschitz constant of this layer: `kCoefLip` (sorting is a
   * permutation, so ‖f(x) − f(y)‖ ≤ k‖x − y‖ with equality for x, y in the same
   * sorting cell, and ‖f(x)‖ = k‖x‖ always).
   */
  lipschitzBound(): number {
    return this.kCoefLip;
  }

  /** {@link lipschitzBound} from a `getConfig()` dictionary (for certificates on saved models). */
  static lipschitzBoundFromConfig(config: tf.serialization.ConfigDict): number {
    return typeof config['kCoefLip'] === 'number' ? config['kCoefLip'] : 1;
  }

  /** Resolves and checks the group size against the channel count `c`. */
  protected resolveGroupSize(c: number | null | undefined): number {
    const cls = (this.constructor as typeof GroupSort).className;
    if (typeof c !== 'number' || c < 1) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: cls,
        option: 'input',
        message:
          `expected a known channel count on the last axis, got ${String(c)}. ` +
          'Give the model an inputShape whose last dimension is fixed.',
      });
    }
    const n = this.n === null || this.n > c ? c : this.n;
    if (c % n !== 0) {
      const divisors = Array.from({ length: c }, (_, i) => i + 1).filter((d) => c % d === 0);
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: cls,
        option: 'n',
        message:
          `expected \`n\` to divide the channel count ${c}, got ${n}. ` +
          `Pass a divisor of ${c} (${divisors.join(', ')}) or n: null for a full sort.`,
      });
    }
    return n;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    this.groupSize = this.resolveGroupSize(shape[shape.length - 1]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const n = this.groupSize ?? this.resolveGroupSize(x.shape[x.shape.length - 1]);
      return groupSortTensor(x, n, this.kCoefLip);
    });
  }

  /**
   * `k · sort_n(z + b)` (b of shape `[C]`) in one fused kernel
   * (`LipnetBiasPairSort`, see {@link FUSED_KERNELS}) when this layer is built
   * with groups of 2, z is float32 and the active backend registers that
   * kernel and its gradient; else `null`, and the caller adds the bias and
   * applies the layer. The same values and gradients as `apply(z + b)`; used
   * by the reparametrized layers when this is their activation.
   */
  applyWithBias(z: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
    if (z.dtype !== 'float32' || b.rank !== 1) return null;
    if ((this.groupSize ?? this.resolveGroupSize(z.shape[z.shape.length - 1])) !== 2) return null;
    if (!hasFusedKernel(FUSED_KERNELS.biasPairSort, FUSED_KERNELS.biasPairSortGrad)) return null;
    return tf.tidy(() => {
      const y = fusedBiasPairSort(z, b);
      return this.kCoefLip === 1 ? y : tf.mul(y, tf.scalar(this.kCoefLip));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), n: this.n, dataFormat: this.dataFormat, kCoefLip: this.kCoefLip };
  }
}
tf.serialization.registerClass(GroupSort);

/** Factory for {@link GroupSort}: `groupSort({n: 2})` is deel-lip's `GroupSort(2)`. */
export function groupSort(args: GroupSortArgs = {}): GroupSort {
  return new GroupSort(args);
}
