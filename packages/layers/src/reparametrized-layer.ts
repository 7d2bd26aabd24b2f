import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import type { Condensable, LipschitzLayer } from './lipschitz-layer';
import { serializeInitializer, toInitializer, type InitializerId } from './initializer-spec';
import { serializeRegularizer, toRegularizer, type Regularizer, type RegularizerId } from './regularizer-spec';
import type { ExactOperatorNormalizer } from './exact-operator-normalizer';
import { resolveActivation, cloneActivation, type ActivationIdentifier, type ResolvedActivation } from './activation';
import { addBias } from './bias-add';
import { InferenceKernelCache, dataIdOf } from './inference-kernel-cache';
import { GroupSort } from './activations/group-sort';
import { sortedHandoffTarget, type SortedHandoffReceiver } from './sorted-handoff';
import { kCoefLipOption } from './layer-options';
import { LipnetInputError, LipnetOptionError, checkFinite, checkTensor, formatValue } from '@lipnet/core';

/** tfjs-layers' `LayerArgs` (not exported by tfjs-layers). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Arguments shared by every reparametrised @lipnet layer. */
export interface ReparametrizedLayerArgs extends LayerArgs {
  /** Lipschitz constant k of the layer (deel-lip `k_coef_lip`). Default 1. */
  kCoefLip?: number;
  /** Activation applied after the affine map: tfjs name or weightless layer (see {@link ActivationIdentifier}). Default none. */
  activation?: ActivationIdentifier;
  /** Whether to add a bias. Default true. */
  useBias?: boolean;
  /** Initializer of the raw kernel (a name such as 'glorotUniform', or an instance). Default 'orthogonal' (= `SpectralInitializer`, deel-lip's default). */
  kernelInitializer?: InitializerId;
  /** Initializer of the bias. Default 'zeros'. */
  biasInitializer?: InitializerId;
  /**
   * Penalty on the raw kernel W (not W̄) added to the training loss, as deel-lip's `kernel_regularizer`
   * (Keras applies it to `self.kernel`): 'l2', `tf.regularizers.l2({l2})`, `new OrthDenseRegularizer()`,
   * `new LorthRegularizer({…})` (@lipnet/constraints)… Default none.
   */
  kernelRegularizer?: RegularizerId;
  /** Penalty on the bias added to the training loss (deel-lip `bias_regularizer`). Default none. */
  biasRegularizer?: RegularizerId;
}

/** The normalised kernel and, for spectral layers, the new power-iteration state. */
export interface NormalizedKernel {
  w: tf.Tensor;
  u?: tf.Tensor2D;
  sigma?: tf.Tensor2D;
}

/**
 * Base of SpectralDense, SpectralConv2D, FrobeniusDense and FrobeniusConv2D:
 * a layer whose forward pass uses a *normalised* kernel W̄ = N(W) computed from
 * the trainable raw kernel W in `call()` (reparametrisation, as deel-lip), so the
 * Lipschitz bound holds during `fit` too (tfjs never applies constraints in fit).
 *
 * Caching (never stale): a call that is not training and not under a gradient
 * tape (predict, evaluate, validation) reuses W̄ computed for the same raw
 * weights. The cache is keyed on the identity of the kernel variable's (and
 * `u`'s) `dataId`: tfjs `Variable.assign` (optimiser steps, `setWeights`,
 * `loadWeights`, `condense`) gives the variable a new `dataId`, so any weight
 * change invalidates it. Training calls (or any call under a tape) recompute W̄,
 * so gradients flow, and (when `training`) store the updated `u` and σ.
 * deel-lip instead caches `wbar` in training calls only, so inference right
 * after loading weights uses stale weights (deel-torchlip #17); here it cannot.
 */
export abstract class ReparametrizedLayer extends tfl.layers.Layer implements LipschitzLayer, Condensable {
  readonly isLipschitz = true as const;
  kCoefLip: number;
  protected readonly useBias: boolean;
  protected readonly activationSpec: ResolvedActivation;
  protected readonly kernelInitializerId: InitializerId;
  protected readonly biasInitializerId: InitializerId;
  protected readonly kernelRegularizer: Regularizer | undefined;
  protected readonly biasRegularizer: Regularizer | undefined;
  protected kernel: tfl.LayerVariable | null = null;
  protected bias: tfl.LayerVariable | null = null;
  protected u: tfl.LayerVariable | null = null;
  protected sig: tfl.LayerVariable | null = null;
  /** The input shape seen by `build` (for exports). */
  protected builtInputShape: (number | null)[] | null = null;
  private readonly cache = new InferenceKernelCache();

  constructor(args: ReparametrizedLayerArgs) {
    super(args);
    const owner = (this.constructor as unknown as { className: string }).className;
    this.kCoefLip = args.kCoefLip ?? 1;
    kCoefLipOption.resolve(this.kCoefLip, { who: owner, path: 'kCoefLip' });
    this.useBias = args.useBias ?? true;
    if (typeof this.useBias !== 'boolean') {
      throw new LipnetOptionError({
        code: 'INVALID_OPTION',
        who: owner,
        option: 'useBias',
        message: `expected \`useBias\` to be a boolean, got ${formatValue(this.useBias)}. Pass true or false.`,
      });
    }
    this.activationSpec = resolveActivation(owner, args.activation);
    this.kernelInitializerId = args.kernelInitializer ?? 'orthogonal';
    this.biasInitializerId = args.biasInitializer ?? 'zeros';
    this.kernelRegularizer = toRegularizer(owner, 'kernelRegularizer', args.kernelRegularizer);
    this.biasRegularizer = toRegularizer(owner, 'biasRegularizer', args.biasRegularizer);
    this.supportsMasking = false;
  }

  /** Sets k (deel-lip `set_klip_factor`); cached kernels are recomputed at the next call. */
  setKCoefLip(k: number): void {
    kCoefLipOption.resolve(k, { who: this.getClassName(), path: 'kCoefLip' });
    this.kCoefLip = k;
  }

  /** The multiplier applied to the orthonormalised kernel: kCoefLip × the layer's own coefficient (deel-lip `_get_coef`). */
  protected lipCoef(): number {
    return this.kCoefLip * this.layerCoef();
  }

  /** The layer's structural coefficient (1 for dense, the conv coefficient for convs). */
  protected layerCoef(): number {
    return 1;
  }

  /** Normalises `kernel` given the stored power-iteration vector (spectral layers). */
  protected abstract normalize(kernel: tf.Tensor, u: tf.Tensor2D | null): NormalizedKernel;

  /** Applies the linear map with the effective kernel (matMul or conv2d; the bias is added by `call`). */
  protected abstract linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor;

  /** The plain tfjs layer (Dense / Conv2D) with `activation` and no weights set. */
  protected abstract plainLayer(activation: string | undefined): tfl.layers.Layer;

  /** Weight shape of the kernel for `inputShape`. */
  protected abstract kernelShape(inputShape: (number | null)[]): number[];

  /** Number of output channels. */
  protected abstract outputChannels(): number;

  /** Whether the layer keeps a power-iteration vector `u` and σ. */
  protected get hasPowerIteration(): boolean {
    return false;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    this.validateInputShape(shape);
    this.createWeights(shape);
    this.built = true;
  }

  /** Checks the input shape at build time (throws a `LipnetInputError`). */
  protected validateInputShape(_shape: (number | null)[]): void {}

  /** Resolved initializer objects (tfjs accepts identifiers or instances). */
  protected createWeights(shape: (number | null)[]): void {
    this.builtInputShape = shape.slice();
    const init = (id: InitializerId) => toInitializer(this.getClassName(), id);
    this.kernel = this.addWeight(
      'kernel',
      this.kernelShape(shape),
      'float32',
      init(this.kernelInitializerId),
      this.kernelRegularizer,
      true,
    );
    if (this.useBias)
      this.bias = this.addWeight(
        'bias',
        [this.outputChannels()],
        'float32',
        init(this.biasInitializerId),
        this.biasRegularizer,
        true,
      );
    if (this.hasPowerIteration) {
      this.u = this.addWeight(
        'u',
        [1, this.outputChannels()],
        'float32',
        tfl.initializers.randomNormal({ mean: 0, stddev: 1 }),
        undefined,
        false,
      );
      this.sig = this.addWeight('sig', [1, 1], 'float32', tfl.initializers.ones(), undefined, false);
    }
    this.exactNormalizer()?.createWeights((name, wShape, initializer) =>
      this.addWeight(name, wShape, 'float32', initializer, undefined, false),
    );
  }

  /**
   * The effective kernel W̄ for the current raw weights. With `training`, or
   * under a gradient tape, recomputed (differentiable); with `training` the new
   * `u` and σ are stored. Otherwise served from the cache when the raw weights
   * are unchanged. The returned tensor belongs to the cache when cached: do not dispose it.
   */
  protected effectiveKernel(training: boolean): tf.Tensor {
    const kernel = this.kernel!.read();
    const u = this.u ? (this.u.read() as tf.Tensor2D) : null;
    const exact = this.exactNormalizer();
    const coef = this.lipCoef();
    if (!training && !tf.engine().isTapeOn()) {
      const ids = this.cacheIds(kernel, u, exact);
      const cached = this.cache.get(ids, coef);
      if (cached) return cached;
      const r = this.normalize(kernel, u);
      r.u?.dispose();
      r.sigma?.dispose();
      return this.cache.set(ids, coef, exact ? exact.normalize(r.w, this.kCoefLip, false) : r.w);
    }
    const r = this.normalize(kernel, u);
    if (training && r.u && this.u) this.u.write(r.u);
    if (training && r.sigma && this.sig) this.sig.write(r.sigma);
    return exact ? exact.normalize(r.w, this.kCoefLip, training) : r.w;
  }

  /**
   * W̄ exactly as a training call (`apply(x, { training: true })`) computes it:
   * recomputed from the raw kernel, differentiable on the gradient tape, and
   * the new power-iteration `u` and σ stored. For compiled training steps that
   * run the layer's linear map themselves (@lipnet/backend's
   * `compileTrainingForward`); a training call of the layer does the same.
   * deel-lip: the `wbar` its `call(training=True)` computes.
   */
  trainingKernel(): tf.Tensor {
    return this.effectiveKernel(true);
  }

  /**
   * The normaliser of `convNormalization: 'exact'` (created at build time from the input size),
   * or null: then {@link normalize}'s kernel is used as is. With one, the kernel is
   * k·V/(σ̂(1 + margin)), V = {@link normalize}'s kernel, σ̂ ≈ ‖A_V‖₂ on the input size.
   */
  protected exactNormalizer(): ExactOperatorNormalizer | null {
    return null;
  }

  /**
   * Serves `w` as the normalised kernel W̄ of inference calls (not training, no gradient tape: predict,
   * evaluate, vanillaExport) until the raw weights (`kernel`, `u`) or `kCoefLip` change — at the latest, the
   * first training step. deel-lip keeps W̄ in a variable `wbar` that each training call sets and inference
   * reads, so a model saved after training predicts with the W̄ of its weights *before* the last optimiser
   * step; @lipnet/interop's `loadDeelLipModel` restores that `wbar` here, and the loaded model's logits equal
   * deel-lip's. `w` is copied (the caller keeps ownership) and must have the kernel's shape.
   */
  setInferenceKernel(w: tf.Tensor): void {
    const owner = this.getClassName();
    this.requireBuilt('setInferenceKernel()', 'Build the model (or load its weights) first.', 'layer');
    const shape = this.kernel!.shape;
    checkTensor(`${owner}.setInferenceKernel`, 'w', w, { shape, layout: `(the kernel's shape of '${this.name}')` });
    checkFinite(`${owner}.setInferenceKernel`, 'w', w, "Pass the finite normalised kernel (e.g. deel-lip's `wbar`).");
    const u = this.u ? this.u.read() : null;
    this.cache.set(this.cacheIds(this.kernel!.read(), u, this.exactNormalizer()), this.lipCoef(), w.clone());
  }

  /** The inference cache's keys: the weights W̄ is computed from. */
  private cacheIds(kernel: tf.Tensor, u: tf.Tensor | null, exact: ExactOperatorNormalizer | null): (object | null)[] {
    return [dataIdOf(kernel), u ? dataIdOf(u) : null, exact ? exact.stateId() : null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    let target: SortedHandoffReceiver | null = null;
    const out = tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const w = this.effectiveKernel(kwargs['training'] === true);
      let y = this.linear(x, w);
      const act = this.activationSpec.layer;
      // GroupSort(2) after a bias: one fused kernel when the backend has it.
      const fused = this.bias && act instanceof GroupSort ? act.applyWithBias(y, this.bias.read()) : null;
      if (fused) {
        // …and the pooling after it may pool from y and the bias (sorted-handoff.ts): y leaves the scope too.
        target = (act as GroupSort).kCoefLip === 1 ? sortedHandoffTarget(this, y) : null;
        return target ? [fused, y] : fused;
      }
      // addBias, not tf.add: keeps no activation on the tape for the bias' gradient.
      if (this.bias) y = addBias(y, this.bias.read());
      if (act) {
        y = act.apply(y) as tf.Tensor;
        if (act.weights.length > 0) {
          throw new LipnetOptionError({
            code: 'INVALID_OPTION',
            who: this.getClassName(),
            option: 'activation',
            message: `the activation layer '${act.name}' (${act.getClassName()}) has weights, which '${this.name}' would not track or save. Add it as its own layer after this one.`,
          });
        }
      }
      return y;
    });
    if (!Array.isArray(out)) return out;
    const [y, z] = out as [tf.Tensor, tf.Tensor];
    (target as SortedHandoffReceiver | null)?.receiveSortedHandoff({ y, z, b: this.bias!.read() });
    return y;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const linear = this.linearOutputShape(
      (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[],
    );
    const act = this.activationSpec.layer;
    return act ? act.computeOutputShape(linear) : linear;
  }

  /** Output shape of the affine part. */
  protected abstract linearOutputShape(inputShape: (number | null)[]): (number | null)[];

  /** deel-lip `condense`: kernel ← W̄ (and u, σ updated), so the raw kernel is already normalised. */
  condense(): void {
    tf.tidy(() => {
      // As deel-lip 1.5: kernel ← W̄ (normalisation is scale-invariant, so W̄ maps to itself),
      // with the state a training call would store.
      this.kernel!.write(this.effectiveKernel(true));
    });
  }

  /**
   * The layers a plain-tfjs export of this layer needs: a built Dense/Conv2D
   * holding W̄ (computed now from the current raw weights) and the bias, with the
   * activation when it is a tfjs name; when the activation is a layer
   * (e.g. GroupSort) a fresh copy of it follows. With `convNormalization: 'exact'`
   * the kernel is certified first (‖conv‖₂ ≤ k proven, rescaled when it cannot be;
   * `certify: false` exports the kernel the layer runs, unproven).
   */
  vanillaExportLayers(options: { certify?: boolean } = {}): tfl.layers.Layer[] {
    this.requireBuilt('vanillaExport()', 'Call the model on data (or build it) first.');
    const spec = this.activationSpec.config;
    const plain = this.plainLayer(typeof spec === 'string' ? spec : undefined);
    // Build through apply() on a symbolic input so weights get scoped names ('<layer>/kernel'),
    // which tfjs needs to save and reload them.
    plain.apply(tfl.input({ batchShape: this.builtInputShape! }));
    let w = tf.tidy(() => this.effectiveKernel(false).clone());
    const exact = this.exactNormalizer();
    if (exact && options.certify !== false) {
      const c = exact.certify(w, this.kCoefLip);
      w.dispose();
      w = c.w;
    }
    const k = this.exportKernel(w);
    plain.setWeights(this.bias ? [k, this.bias.read()] : [k]);
    if (k !== w) k.dispose();
    w.dispose();
    const act = typeof spec === 'string' ? null : cloneActivation(this.getClassName(), this.activationSpec);
    return act ? [plain, act] : [plain];
  }

  /** The kernel of {@link plainLayer} for the effective kernel `w` (the same tensor, or a new one the caller disposes). */
  protected exportKernel(w: tf.Tensor): tf.Tensor {
    return w;
  }

  /**
   * The weights the forward pass uses now: `[W̄, bias]` (or `[W̄]`), computed from
   * the current raw weights (new tensors, owned by the caller). deel-lip's `wbar`.
   */
  effectiveWeights(): tf.Tensor[] {
    this.requireBuilt('effectiveWeights()', 'Call the model on data (or build it) first.');
    return tf.tidy(() => {
      const w = this.effectiveKernel(false).clone();
      return this.bias ? [w, this.bias.read().clone()] : [w];
    });
  }

  /** deel-lip `vanilla_export`: a built plain tfjs layer with W̄; see {@link vanillaExportLayers} for layer activations. */
  vanillaExport(): tfl.layers.Layer {
    const ls = this.vanillaExportLayers();
    if (ls.length > 1) {
      throw new LipnetInputError({
        code: 'INVALID_ARGUMENT',
        who: this.getClassName(),
        message: `'${this.name}' has a layer activation (${this.activationSpec.config && typeof this.activationSpec.config === 'object' ? this.activationSpec.config.className : ''}) that no single tfjs layer holds. Use vanillaExportLayers() or vanillaExport(model).`,
      });
    }
    return ls[0]!;
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.cache.drop();
    return super.dispose();
  }

  /** Throws, naming `method` and what to do (`fix`), unless the layer is built (kernel and input shape known). */
  private requireBuilt(method: string, fix: string, option?: string): void {
    if (this.built && this.kernel && this.builtInputShape) return;
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: this.getClassName(),
      ...(option ? { option } : {}),
      message: `${method} needs a built layer, but '${this.name}' is not built. ${fix}`,
    });
  }

  /** Shared config entries (mirrors {@link ReparametrizedLayerArgs}). */
  protected baseConfig(): tf.serialization.ConfigDict {
    const ser = serializeInitializer;
    return {
      kCoefLip: this.kCoefLip,
      activation: this.activationSpec.config,
      useBias: this.useBias,
      kernelInitializer: ser(this.kernelInitializerId),
      biasInitializer: ser(this.biasInitializerId),
      ...(this.kernelRegularizer ? { kernelRegularizer: serializeRegularizer(this.kernelRegularizer)! } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: serializeRegularizer(this.biasRegularizer)! } : {}),
      ...super.getConfig(),
    };
  }
}
