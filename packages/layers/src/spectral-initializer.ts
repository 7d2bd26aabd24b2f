import * as tf from '@tensorflow/tfjs-core';
import { defineOptions, opt } from '@lipnet/core';
import * as tfl from '@tensorflow/tfjs-layers';

type Initializer = ReturnType<typeof tfl.initializers.zeros>;
// tfjs-layers does not export its `Initializer` base class; reach it through a built-in one.
const TflInitializer = Object.getPrototypeOf(tfl.initializers.zeros().constructor) as abstract new () => Initializer;

/** Arguments of {@link SpectralInitializer}. */
export interface SpectralInitializerArgs {
  /** Every singular value of the reshaped kernel equals this. Default 1. */
  kCoefLip?: number;
  /** Seed of the Gaussian draw. */
  seed?: number;
}

/**
 * Random orthogonal kernel scaled by k: draw G ~ N(0, 1) of shape
 * [Π other dims, C_out] (transposed when wider than tall), orthonormalise its
 * columns by modified Gram–Schmidt with re-orthogonalisation in float64 (the Q of
 * G = QR with diag R > 0, i.e. the Haar-distributed orthogonal matrix of
 * Mezzadri 2007) and return k·Q reshaped to the kernel shape. A one-off
 * initialisation on typed arrays (tfjs' `linalg.qr` takes minutes on 1568×64). Same result as
 * Keras' `Orthogonal` (deel-lip's `SpectralInitializer` base); used here
 * because tfjs' own `orthogonal` initializer needs tfjs' chained-op
 * registrations, which a library importing only tfjs-core does not load.
 * The string `'orthogonal'` in a @lipnet layer maps to this class.
 * deel-lip: `initializers.SpectralInitializer`.
 */
const INITIALIZER_OPTIONS = defineOptions(
  'SpectralInitializer',
  {
    kCoefLip: opt.number({ gt: 0 }).describedAs('a finite number > 0', 'Pass e.g. 1.').default(1),
    seed: opt.number(),
  },
  { passthrough: ['customObjects'] },
);

export class SpectralInitializer extends TflInitializer {
  static className = 'SpectralInitializer';
  readonly kCoefLip: number;
  readonly seed: number | undefined;
  constructor(args: SpectralInitializerArgs = {}) {
    super();
    const o = INITIALIZER_OPTIONS.parse(args);
    this.kCoefLip = o.kCoefLip;
    this.seed = o.seed;
  }
  override apply(shape: number[]): tf.Tensor {
    const cols = shape[shape.length - 1]!;
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    const tall = rows >= cols;
    const [m, n] = tall ? [rows, cols] : [cols, rows];
    // Read after creating, not returned from a tidy: a tidy that returns a typed array walks it element by element.
    const gaussian = tf.randomNormal([n, m], 0, 1, 'float32', this.seed);
    const g = gaussian.dataSync();
    gaussian.dispose();
    const q = orthonormalColumns(Float64Array.from(g), m, n);
    // q holds n orthonormal vectors of length m, vector j at q[j·m … j·m+m).
    const out = new Float32Array(rows * cols);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i++) {
        const v = q[j * m + i]! * this.kCoefLip;
        if (tall)
          out[i * cols + j] = v; // column j of a rows × cols matrix
        else out[j * cols + i] = v; // row j of a rows × cols matrix
      }
    }
    return tf.tensor(out, shape);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return this.seed === undefined ? { kCoefLip: this.kCoefLip } : { kCoefLip: this.kCoefLip, seed: this.seed };
  }
}
tf.serialization.registerClass(
  SpectralInitializer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
);

/** Factory for {@link SpectralInitializer}. */
export function spectralInitializer(args: SpectralInitializerArgs = {}): SpectralInitializer {
  return new SpectralInitializer(args);
}

/**
 * Orthonormalises the n vectors of length m stored one after another in `v`
 * (n ≤ m) by modified Gram–Schmidt, twice ("twice is enough", Giraud et al. 2005).
 */
function orthonormalColumns(v: Float64Array, m: number, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const vj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const vk = k * m;
        let d = 0;
        for (let i = 0; i < m; i++) d += v[vk + i]! * v[vj + i]!;
        for (let i = 0; i < m; i++) v[vj + i]! -= d * v[vk + i]!;
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += v[vj + i]! * v[vj + i]!;
    nrm = Math.sqrt(nrm) || 1;
    for (let i = 0; i < m; i++) v[vj + i]! /= nrm;
  }
  return v;
}
