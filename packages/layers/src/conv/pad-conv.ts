import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  convMaps,
  convOutputAndPadding,
  type Conv2DGeometry,
  type ConvMaps,
  type ConvPadding,
} from '@lipnet/constraints';
import { opt } from '@lipnet/core';
import { checkConvInput, checkConvOptions, pair } from '../conv-args';
import { resolveActivation, type ResolvedActivation } from '../activation';
import { initializerOption, serializeInitializer, toInitializer, type InitializerId } from '../initializer-spec';
import { addBias } from '../bias-add';
import {
  regularizerOption,
  serializeRegularizer,
  toRegularizer,
  type Regularizer,
  type RegularizerId,
} from '../regularizer-spec';
import { layerOptions } from '../layer-options';
import { conv1dInput, conv1dPair, fromNHWC1d, fromNHWCShape1d, kernel4d1d, toNHWC1d } from './conv1d-layout';
import type { LayerArgs } from '../reparametrized-layer';

/** Arguments of {@link PadConv2D}. */
export interface PadConv2DArgs extends LayerArgs {
  /** Number of output channels (≥ 1). */
  filters: number;
  /** Kernel size, `k` or `[kh, kw]`. */
  kernelSize: number | [number, number];
  /** Strides, `s` or `[sh, sw]`. Default 1. */
  strides?: number | [number, number];
  /** 'same' (default), 'valid', 'constant', 'reflect', 'symmetric', 'replicate' or 'circular' (see `ConvPadding`). */
  padding?: ConvPadding;
  /** Dilation, with strides 1. Default 1. */
  dilationRate?: number | [number, number];
  /** A tfjs activation name. Default none. */
  activation?: string | null;
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
  /** Initializer of the kernel. Default 'glorotUniform' (Keras' and deel-lip's). */
  kernelInitializer?: InitializerId;
  /** Initializer of the bias. Default 'zeros'. */
  biasInitializer?: InitializerId;
  /** Penalty on the kernel added to the training loss (Keras `kernel_regularizer`). Default none. */
  kernelRegularizer?: RegularizerId;
  /** Penalty on the bias added to the training loss. Default none. */
  biasRegularizer?: RegularizerId;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/**
 * The options of PadConv2D and PadConv1D (same keys; kernelSize, strides, padding and dilationRate
 * are checked per class by `conv-args` / `conv1d-layout`).
 */
const OPTIONS = layerOptions('PadConv2D', {
  filters: opt.integer({ min: 1 }).required(),
  kernelSize: opt.any(),
  strides: opt.any(),
  padding: opt.any(),
  dilationRate: opt.any(),
  activation: opt
    .string()
    .describedAs(
      'a tfjs activation name',
      "Pass e.g. 'relu', or put a layer activation in its own layer after this one.",
    )
    .orNull(),
  useBias: opt.boolean().default(true),
  kernelInitializer: initializerOption,
  biasInitializer: initializerOption,
  kernelRegularizer: regularizerOption,
  biasRegularizer: regularizerOption,
  dataFormat: opt.any(),
});

/**
 * A plain (unconstrained) 2-D convolution with any padding mode: the input padded by ⌊k/2⌋ pixels
 * ('constant' zeros, 'reflect', 'symmetric', 'replicate' or 'circular'), then a 'valid' `conv2d`; 'same'
 * and 'valid' are tfjs' own. **Not a Lipschitz layer**: what the padded Lipschitz convolutions
 * (`SpectralConv2D({padding: 'reflect'})`, …) export to, and what deel-lip models holding a `PadConv2D`
 * load as; `lipschitzUpperBound` (@lipnet/certificates) bounds it by its certified operator norm.
 * Weights `kernel` [kh, kw, cin, filters] and `bias` [filters], as `tf.layers.conv2d`.
 * deel-lip: `deel.lip.layers.unconstrained.PadConv2D`; deel-torchlip: `PadConv2d` (padding (k−1)/2).
 *
 * @example
 * new PadConv2D({filters: 8, kernelSize: 3, padding: 'reflect', inputShape: [16, 16, 3]});
 */
export class PadConv2D extends tfl.layers.Layer {
  static className = 'PadConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: ConvPadding;
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  protected readonly activationSpec: ResolvedActivation;
  private readonly kernelInitializerId: InitializerId;
  private readonly biasInitializerId: InitializerId;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  private maps: ConvMaps | null = null;
  /** The convolution on the built input size (null before build). */
  geometry: Conv2DGeometry | null = null;

  constructor(args: PadConv2DArgs) {
    super(args);
    const owner = this.getClassName();
    const parsed = OPTIONS.parse(args, owner);
    this.filters = args.filters;
    this.kernelSize = this.readPair(owner, 'kernelSize', args.kernelSize, 'Pass e.g. 3.');
    this.strides = this.readPair(owner, 'strides', args.strides ?? 1, 'Pass e.g. 1 or 2.');
    const o = checkConvOptions(
      owner,
      { ...args, kernelSize: this.kernelSize, strides: this.strides, dilationRate: this.dilationArg(args) },
      { oddKernel: false },
    );
    this.padding = o.padding;
    this.dilationRate = o.dilation;
    this.useBias = parsed.useBias;
    this.activationSpec = resolveActivation(owner, args.activation);
    this.kernelInitializerId = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializerId = args.biasInitializer ?? 'zeros';
    toInitializer(owner, this.kernelInitializerId);
    toInitializer(owner, this.biasInitializerId, 'biasInitializer');
    this.kernelRegularizer = toRegularizer(owner, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = toRegularizer(owner, 'biasRegularizer', args.biasRegularizer);
  }

  /** `kernelSize`/`strides` as [h, w] (a 1-D layer reads one integer as [1, k]). */
  protected readPair(owner: string, arg: string, v: unknown, fix: string): [number, number] {
    return pair(owner, arg, v, fix);
  }

  /** `dilationRate` as the 2-D value. */
  protected dilationArg(args: PadConv2DArgs): unknown {
    return args.dilationRate;
  }

  /** [h, w, cin] of the layer's input. */
  protected spatialInput(shape: (number | null)[]): [number, number, number] {
    return checkConvInput(this.getClassName(), shape);
  }

  /** The kernel's shape for `cin` input channels. */
  protected kernelShapeFor(cin: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], cin, this.filters];
  }

  /** The input as NHWC, the kernel as [kh, kw, cin, cout], the output back in the layer's layout. */
  protected toNHWC(x: tf.Tensor): tf.Tensor4D {
    return x as tf.Tensor4D;
  }
  protected kernel4d(w: tf.Tensor): tf.Tensor4D {
    return w as tf.Tensor4D;
  }
  protected fromNHWC(y: tf.Tensor): tf.Tensor {
    return y;
  }
  protected fromNHWCShape(shape: number[]): number[] {
    return shape;
  }

  /** The geometry of the convolution on an [h, w, cin] input. */
  geometryFor(h: number, w: number, cin: number): Conv2DGeometry {
    const [kh, kw] = this.kernelSize;
    const g = { inH: h, inW: w, kh, kw, cin, cout: this.filters, padding: this.padding };
    return { ...g, strides: this.strides, dilation: this.dilationRate };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const [h, w, cin] = this.spatialInput(shape);
    this.geometry = this.geometryFor(h, w, cin);
    this.maps = convMaps(this.geometry);
    const init = (id: InitializerId) => toInitializer(this.getClassName(), id);
    const k = init(this.kernelInitializerId);
    this.kernel = this.addWeight('kernel', this.kernelShapeFor(cin), 'float32', k, this.kernelRegularizer);
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.filters], 'float32', init(this.biasInitializerId), this.biasRegularizer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      let y = this.fromNHWC(this.maps!.forward(this.toNHWC(x), this.kernel4d(this.kernel!.read())));
      if (this.bias) y = addBias(y, this.bias.read());
      const act = this.activationSpec.layer;
      return act ? (act.apply(y) as tf.Tensor) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const [h, w, cin] = this.spatialInput(shape);
    const { outH, outW } = convOutputAndPadding(this.geometryFor(h, w, cin));
    return [shape[0] ?? null, ...this.fromNHWCShape([1, outH, outW, this.filters]).slice(1)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activationSpec.config,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializerId),
      biasInitializer: serializeInitializer(this.biasInitializerId),
      ...(this.kernelRegularizer ? { kernelRegularizer: serializeRegularizer(this.kernelRegularizer)! } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: serializeRegularizer(this.biasRegularizer)! } : {}),
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(PadConv2D);

/** Arguments of {@link PadConv1D}: as {@link PadConv2DArgs}, with one-integer sizes. */
export interface PadConv1DArgs extends Omit<PadConv2DArgs, 'kernelSize' | 'strides' | 'dilationRate'> {
  /** Kernel size k. */
  kernelSize: number;
  /** Stride. Default 1. */
  strides?: number;
  /** Dilation, with stride 1. Default 1. */
  dilationRate?: number;
}

/**
 * The 1-D {@link PadConv2D}: input [batch, length, channels], kernel [k, cin, filters] (tfjs `conv1d`
 * layout), any padding mode. Not a Lipschitz layer: what `SpectralConv1D` with an explicit padding mode
 * exports to. deel-torchlip: `PadConv1d` (padding (k−1)/2).
 *
 * @example
 * new PadConv1D({filters: 4, kernelSize: 5, padding: 'circular', inputShape: [32, 2]});
 */
export class PadConv1D extends PadConv2D {
  static override className = 'PadConv1D';

  constructor(args: PadConv1DArgs) {
    super(args);
  }

  protected override readPair(owner: string, arg: string, v: unknown, fix: string): [number, number] {
    return conv1dPair(owner, arg, v, fix.replace(' or 2', ''));
  }
  protected override dilationArg(args: PadConv2DArgs): unknown {
    return conv1dPair(this.getClassName(), 'dilationRate', args.dilationRate ?? 1, 'Pass e.g. 1 or 2.');
  }
  protected override spatialInput(shape: (number | null)[]): [number, number, number] {
    return conv1dInput(this.getClassName(), shape);
  }
  protected override kernelShapeFor(cin: number): number[] {
    return [this.kernelSize[1], cin, this.filters];
  }
  protected override toNHWC(x: tf.Tensor): tf.Tensor4D {
    return toNHWC1d(x);
  }
  protected override kernel4d(w: tf.Tensor): tf.Tensor4D {
    return kernel4d1d(w);
  }
  protected override fromNHWC(y: tf.Tensor): tf.Tensor {
    return fromNHWC1d(y);
  }
  protected override fromNHWCShape(shape: number[]): number[] {
    return fromNHWCShape1d(shape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize[1],
      strides: this.strides[1],
      dilationRate: this.dilationRate[1],
    };
  }
}
tf.serialization.registerClass(PadConv1D);

/** Factory for {@link PadConv2D}. */
export function padConv2d(args: PadConv2DArgs): PadConv2D {
  return new PadConv2D(args);
}

/** Factory for {@link PadConv1D}. */
export function padConv1d(args: PadConv1DArgs): PadConv1D {
  return new PadConv1D(args);
}
