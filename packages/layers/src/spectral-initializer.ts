import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertPositive } from '@lipnet/constraints';

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
 * [Π other dims, C_out] (transposed when wider than tall), take its QR
 * decomposition G = QR and return k·Q·sign(diag R) reshaped to the kernel shape
 * (the Haar-distributed orthogonal matrix of Mezzadri 2007). Same result as
 * Keras' `Orthogonal` (deel-lip's `SpectralInitializer` base); used here
 * because tfjs' own `orthogonal` initializer needs tfjs' chained-op
 * registrations, which a library importing only tfjs-core does not load.
 * The string `'orthogonal'` in a @lipnet layer maps to this class.
 * deel-lip: `initializers.SpectralInitializer`.
 */
export class SpectralInitializer extends TflInitializer {
  static className = 'SpectralInitializer';
  readonly kCoefLip: number;
  readonly seed: number | undefined;
  constructor(args: SpectralInitializerArgs = {}) {
    super();
    this.kCoefLip = args.kCoefLip ?? 1;
    assertPositive('SpectralInitializer', 'kCoefLip', this.kCoefLip, 'Pass e.g. 1.');
    this.seed = args.seed;
  }
  override apply(shape: number[]): tf.Tensor {
    return tf.tidy(() => {
      const cols = shape[shape.length - 1]!;
      const rows = shape.reduce((a, b) => a * b, 1) / cols;
      const tall = rows >= cols;
      const g = tf.randomNormal(tall ? [rows, cols] : [cols, rows], 0, 1, 'float32', this.seed) as tf.Tensor2D;
      const [q, r] = tf.linalg.qr(g);
      const d = tf.sign(tf.sum(tf.mul(r, tf.eye(r.shape[0], r.shape[1])), 0));
      let m: tf.Tensor = tf.mul(q, tf.add(d, tf.cast(tf.equal(d, 0), 'float32'))); // sign 0 → 1
      if (!tall) m = tf.transpose(m);
      return tf.reshape(tf.mul(m, this.kCoefLip), shape);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return this.seed === undefined ? { kCoefLip: this.kCoefLip } : { kCoefLip: this.kCoefLip, seed: this.seed };
  }
}
tf.serialization.registerClass(SpectralInitializer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Factory for {@link SpectralInitializer}. */
export function spectralInitializer(args: SpectralInitializerArgs = {}): SpectralInitializer {
  return new SpectralInitializer(args);
}
