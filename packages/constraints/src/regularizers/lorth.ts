import * as tf from '@tensorflow/tfjs-core';
import { LipnetInputError, LipnetOptionError, defineOptions, formatShape, opt } from '@lipnet/core';
import { LipschitzRegularizer } from './lipschitz-regularizer';

/** Options of {@link Lorth2D}. */
export interface Lorth2DArgs {
  /** Kernel shape `[R, R, C, M]` (HWIO). Optional: taken from the first kernel seen when omitted (deel-lip requires it). */
  kernelShape?: number[] | null;
  /** Stride s of the convolution (integer ≥ 1). Default 1. */
  stride?: number;
  /** Whether the kernel belongs to a transposed convolution (swaps the roles of C and M in δ). Default false. */
  convTranspose?: boolean;
  /** Receives deel-lip's warning for the hard-to-optimise square case C·s² = M (default `console.warn`). */
  warn?: (message: string) => void;
}

/** What tfjs' deserialiser adds to a config it revives a regularizer from. */
const TFJS_CONFIG_KEYS = ['customObjects'];

/** The options of {@link Lorth2D}, declared once. */
const LORTH2D_OPTIONS = defineOptions(
  'Lorth2D',
  {
    kernelShape: opt
      .arrayOf(opt.integer({ min: 1 }), { length: 4 })
      .describedAs('[R, R, C, M], 4 positive integers', "Pass the conv kernel's shape (HWIO).")
      .orNull(),
    stride: opt.integer({ min: 1 }).describedAs('an integer ≥ 1', 'Pass e.g. 1.').default(1),
    convTranspose: opt.boolean().default(false),
    warn: opt.func<(message: string) => void>(),
  },
  { passthrough: TFJS_CONFIG_KEYS },
);

/** The options of {@link LorthRegularizer}: {@link Lorth2D}'s, the weight and the rank. */
const LORTH_REGULARIZER_OPTIONS = LORTH2D_OPTIONS.extend('LorthRegularizer', {
  lambdaLorth: opt.number({ min: 0 }).describedAs('a finite number ≥ 0', 'Pass e.g. 1.').default(1),
  dim: opt
    .oneOf([2])
    .describedAs('2 (only 2-D convolutions are supported)', 'Pass 2 (deel-lip supports dim 2 only as well).')
    .default(2),
});

interface Geometry {
  r: number;
  c: number;
  m: number;
  padding: number;
  delta: number;
}

/**
 * The Lorth term of a 2-D convolution kernel (Wang et al., "Orthogonal Convolutional Neural
 * Networks", CVPR 2020; existence conditions from Achour et al., JMLR 2022):
 * `‖conv(Wᵖ, W, stride s) − T‖_F² − δ`, where `Wᵖ` is W transposed to `[M, R, R, C]` and
 * zero-padded by `P = ⌊(R−1)/s⌋·s` on each spatial side (the M output channels act as a batch),
 * `T[i, c, c, j] = 1[i = j]` at the centre tap `c = ⌊out/2⌋`, and
 * `δ = max(0, M − s²C)` (row/column-orthogonal gap; `max(0, C − s²M)` for a transposed conv).
 * Zero exactly when the convolution (circular padding) is orthogonal.
 *
 * Checks as deel-lip: odd square kernels only; throws for configurations where no orthogonal
 * convolution exists (RO: `C·s² ≥ M` and `M > C·R²`; CO: `C·s² < M` and `s > R`); warns when
 * `C·s² = M`. deel-lip: `deel.lip.regularizers.Lorth2D` (with its abstract base `Lorth`,
 * folded in here: only `dim = 2` exists in deel-lip too).
 */
export class Lorth2D {
  readonly stride: number;
  readonly convTranspose: boolean;
  private kernelShapeValue: number[] | null = null;
  private geometry: Geometry | null = null;
  private readonly warn: (message: string) => void;

  constructor(args: Lorth2DArgs = {}) {
    const o = LORTH2D_OPTIONS.parse(args);
    this.stride = o.stride;
    this.convTranspose = o.convTranspose;
    this.warn = o.warn ?? ((m) => console.warn(m));
    if (o.kernelShape != null) this.setKernelShape(o.kernelShape);
  }

  /** The kernel shape `[R, R, C, M]`, or null until set or seen. */
  get kernelShape(): number[] | null {
    return this.kernelShapeValue ? [...this.kernelShapeValue] : null;
  }

  /** Sets the kernel shape and checks it (deel-lip `set_kernel_shape`). */
  setKernelShape(shape: number[]): void {
    const checked = LORTH2D_OPTIONS.schema.kernelShape.resolve(shape, { who: 'Lorth2D', path: 'kernelShape' });
    if (checked === null || checked === undefined) {
      throw new LipnetOptionError({
        code: 'MISSING_OPTION',
        who: 'Lorth2D',
        option: 'kernelShape',
        message: "`kernelShape` is required here. Pass the conv kernel's shape [R, R, C, M] (HWIO).",
      });
    }
    const [r, r2, c, m] = checked as [number, number, number, number];
    const refuse = (message: string) =>
      new LipnetOptionError({ code: 'CONFLICTING_OPTIONS', who: 'Lorth2D', option: 'kernelShape', message });
    if (r !== r2 || r % 2 === 0) {
      throw refuse(
        `Lorth requires odd square kernels, got kernel size ${r}×${r2}. Use a kernel such as 3×3 (deel-lip: "requires odd kernels").`,
      );
    }
    const s = this.stride;
    const msg = (kind: string) =>
      `impossible ${kind} configuration for an orthogonal convolution (kernel ${r}×${r}, C=${c} inputs, M=${m} outputs, stride ${s}). ` +
      'Change the channel counts or the stride (Achour et al. 2022, as deel-lip checks).';
    if (c * s * s >= m) {
      if (m > c * r * r) throw refuse(msg('RO (row-orthogonal)'));
    } else if (s > r) throw refuse(msg('CO (column-orthogonal)'));
    if (c * s * s === m) this.warn('LorthRegularizer: warning configuration C*S^2=M is hard to optimize.');
    const delta = Math.max(0, this.convTranspose ? c - s * s * m : m - s * s * c);
    this.kernelShapeValue = [...shape];
    this.geometry = { r, c, m, padding: Math.floor((r - 1) / s) * s, delta };
  }

  /** The Lorth term of `w` (a scalar, differentiable in `w`). */
  computeLorth(w: tf.Tensor): tf.Scalar {
    if (w.rank !== 4) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'Lorth2D',
        option: 'kernel',
        message: `expected a 4-D conv kernel [R, R, C, M], got shape ${formatShape(w.shape)}. Use OrthDenseRegularizer for Dense kernels.`,
      });
    }
    if (!this.kernelShapeValue) this.setKernelShape(w.shape);
    const expected = this.kernelShapeValue!;
    if (w.shape.some((d, i) => d !== expected[i])) {
      throw new LipnetInputError({
        code: 'INVALID_SHAPE',
        who: 'Lorth2D',
        option: 'kernel',
        message: `the kernel has shape ${formatShape(w.shape)} but the regularizer was set up for ${formatShape(expected)}. Use one regularizer per kernel.`,
      });
    }
    const { m, padding, delta } = this.geometry!;
    return tf.tidy(() => {
      const wp = tf.pad(tf.transpose(w, [3, 0, 1, 2]), [
        [0, 0],
        [padding, padding],
        [padding, padding],
        [0, 0],
      ]) as tf.Tensor4D;
      const out = tf.conv2d(wp, w as tf.Tensor4D, this.stride, 'valid');
      const size = out.shape[1];
      const centre = Math.floor(size / 2);
      // T[i, centre, centre, j] = 1[i = j]: an identity [M, M] scattered at the centre tap.
      const tap = new Float32Array(size * size);
      tap[centre * size + centre] = 1;
      const onehot = tf.tensor1d(tap);
      const target = tf.reshape(tf.mul(tf.reshape(tf.eye(m), [m, 1, m]), tf.reshape(onehot, [1, size * size, 1])), [
        m,
        size,
        size,
        m,
      ]);
      return tf.sub(tf.sum(tf.square(tf.sub(out, target))), delta) as tf.Scalar;
    });
  }
}

/** Arguments of {@link LorthRegularizer}. */
export interface LorthRegularizerArgs extends Lorth2DArgs {
  /** Weight λ ≥ 0 of the penalty. Default 1. */
  lambdaLorth?: number;
  /** Rank of the convolution: only 2 (deel-lip raises NotImplementedError for 1 too). Default 2. */
  dim?: number;
}

/**
 * Penalty pushing a 2-D convolution kernel towards an orthogonal convolution (all singular values
 * of the conv operator equal to 1): `λ · Lorth(W)`, the {@link Lorth2D} term. Usable as the
 * `kernelRegularizer` of a tfjs `conv2d` or a @lipnet conv layer.
 * deel-lip: `deel.lip.regularizers.LorthRegularizer(kernel_shape=None, stride=1, lambda_lorth=1.0,
 * dim=2, conv_transpose=False)`. Difference: `kernelShape` may be omitted here, and is then
 * taken from the first kernel the regularizer sees (deel-lip needs it given).
 *
 * @example
 * tfl.layers.conv2d({filters: 8, kernelSize: 3, padding: 'same', kernelRegularizer: new LorthRegularizer({lambdaLorth: 0.1})})
 */
export class LorthRegularizer extends LipschitzRegularizer {
  static className = 'LorthRegularizer';
  readonly lambdaLorth: number;
  readonly dim: number;
  readonly lorth: Lorth2D;

  constructor(args: LorthRegularizerArgs = {}) {
    super();
    const o = LORTH_REGULARIZER_OPTIONS.parse(args);
    this.lambdaLorth = o.lambdaLorth;
    this.dim = o.dim;
    this.lorth = new Lorth2D({
      kernelShape: o.kernelShape,
      stride: o.stride,
      convTranspose: o.convTranspose,
      warn: o.warn,
    });
  }

  /** Sets the kernel shape (deel-lip `set_kernel_shape`). */
  setKernelShape(shape: number[]): void {
    this.lorth.setKernelShape(shape);
  }

  apply(w: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mul(this.lorth.computeLorth(w), this.lambdaLorth) as tf.Scalar);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      kernelShape: this.lorth.kernelShape,
      stride: this.lorth.stride,
      lambdaLorth: this.lambdaLorth,
      dim: this.dim,
      convTranspose: this.lorth.convTranspose,
    };
  }
}
tf.serialization.registerClass(LorthRegularizer);
