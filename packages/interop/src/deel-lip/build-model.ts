import * as tfl from '@tensorflow/tfjs-layers';
import { disposeLayers } from '../dispose-layers';
import { ModelImportError } from '../errors';
import { ConfigReader, show } from '../keras/config-reader';
import { describeLayer, type LayerSpec } from '../keras/layer-spec';
import { converterFor, type ConvertedLayer, type ConverterContext } from './converters';
import type { ModelSpec } from './model-spec';

/** A saved layer and the tfjs layers that reproduce it (null for an InputLayer). */
export interface BuiltLayer {
  spec: LayerSpec;
  converted: ConvertedLayer | null;
}

/** The batch shape of a Keras `InputLayer` config (float32, dense, not ragged). */
function inputShapeOf(fn: string, spec: LayerSpec): (number | null)[] {
  const r = new ConfigReader(fn, describeLayer(spec), spec.config);
  r.string('name', '');
  r.only('dtype', [null, 'float32'], 'lipnet computes in float32.');
  r.only('sparse', [false, null], 'lipnet takes dense inputs.');
  r.only('ragged', [false, null], 'lipnet takes dense inputs.');
  const shape = r.raw('batch_input_shape');
  r.finish();
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
    throw new ModelImportError(
      `${fn}: ${describeLayer(spec)} has no valid batch_input_shape (got ${show(shape)}). The file is corrupt.`,
    );
  }
  return shape as (number | null)[];
}

/** Converts one saved layer; errors from the @lipnet constructors are reported with the layer's name. */
function convert(spec: LayerSpec, ctx: ConverterContext): ConvertedLayer {
  const convertLayer = converterFor(ctx.fn, spec);
  const r = new ConfigReader(ctx.fn, describeLayer(spec), spec.config);
  try {
    const out = convertLayer(r, ctx);
    r.finish();
    return out;
  } catch (err) {
    if (err instanceof ModelImportError) throw err;
    throw new ModelImportError(`${ctx.fn}: ${describeLayer(spec)} cannot be reproduced: ${(err as Error).message}`);
  }
}

function applyAll(layers: tfl.layers.Layer[], x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor {
  let y = x;
  for (const l of layers) y = l.apply(y) as tfl.SymbolicTensor;
  return y as tfl.SymbolicTensor;
}

function buildSequential(fn: string, spec: ModelSpec, built: BuiltLayer[]): tfl.LayersModel {
  const layers = built.flatMap((b) => b.converted?.layers ?? []);
  const misplaced = built.findIndex((b, i) => i > 0 && b.converted === null);
  if (misplaced > 0)
    throw new ModelImportError(
      `${fn}: the Sequential model has an InputLayer at position ${misplaced}. The file is corrupt.`,
    );
  const first = built[0];
  const declared = (layers[0] as unknown as { batchInputShape?: unknown } | undefined)?.batchInputShape;
  const shape = first?.converted === null ? inputShapeOf(fn, first.spec) : declared ? null : spec.buildInputShape;
  if (shape === undefined) {
    throw new ModelImportError(
      `${fn}: the Sequential model has no input shape (no InputLayer, no batch_input_shape). The file is incomplete.`,
    );
  }
  if (shape)
    layers.unshift(
      tfl.layers.inputLayer({ batchInputShape: shape, name: first?.converted === null ? first.spec.name : undefined }),
    );
  return tfl.sequential({ layers, name: spec.name });
}

/** `[[layer, node, tensor, kwargs], …]` of one inbound node, checked. */
function nodeRefs(fn: string, spec: LayerSpec, node: unknown): [string, number, number][] {
  const ok =
    Array.isArray(node) &&
    node.every((t) => Array.isArray(t) && typeof t[0] === 'string' && Number.isInteger(t[1]) && Number.isInteger(t[2]));
  if (!ok)
    throw new ModelImportError(
      `${fn}: ${describeLayer(spec)} has an inbound node that is not [[layer, node, tensor, kwargs], …] (got ${show(node)}). The file is corrupt.`,
    );
  for (const t of node as unknown[][]) {
    if (t[3] !== undefined && show(t[3]) !== '{}') {
      throw new ModelImportError(
        `${fn}: ${describeLayer(spec)} is called with arguments ${show(t[3])}, which lipnet does not reproduce.`,
        { code: 'UNSUPPORTED_CONFIGURATION' },
      );
    }
  }
  return (node as unknown[][]).map((t) => [t[0] as string, t[1] as number, t[2] as number]);
}

function buildFunctional(fn: string, spec: ModelSpec, built: BuiltLayer[]): tfl.LayersModel {
  const outputs = new Map<string, tfl.SymbolicTensor[]>(); // layer name → output of each node
  const lookup = ([layer, node, tensor]: [string, number, number]) => {
    const t = outputs.get(layer)?.[node];
    if (!t || tensor !== 0)
      throw new ModelImportError(
        `${fn}: the model refers to output ${tensor} of node ${node} of layer '${layer}', which does not exist before it. The file is corrupt, or the graph is not supported.`,
      );
    return t;
  };
  for (const { spec: s, converted } of built) {
    if (converted === null) {
      outputs.set(s.name, [tfl.input({ batchShape: inputShapeOf(fn, s), name: s.name })]);
      continue;
    }
    const nodes = s.inboundNodes;
    if (!Array.isArray(nodes) || nodes.length === 0)
      throw new ModelImportError(`${fn}: ${describeLayer(s)} has no inbound nodes. The file is corrupt.`);
    outputs.set(
      s.name,
      nodes.map((n) => {
        const ins = nodeRefs(fn, s, n).map(lookup);
        return applyAll(converted.layers, ins.length === 1 ? ins[0]! : ins);
      }),
    );
  }
  return tfl.model({ inputs: spec.inputs.map(lookup), outputs: spec.outputs.map(lookup), name: spec.name });
}

/**
 * Builds the tfjs model of @lipnet layers for a saved architecture: each layer is converted (a
 * {@link ModelImportError} for any class or option lipnet does not reproduce, before anything is built), then
 * wired as a Sequential chain or along the functional graph's inbound nodes.
 */
export function buildModel(spec: ModelSpec, ctx: ConverterContext): { model: tfl.LayersModel; built: BuiltLayer[] } {
  const built = spec.layers.map((s) => ({
    spec: s,
    converted: s.origin === 'keras' && s.className === 'InputLayer' ? null : convert(s, ctx),
  }));
  try {
    const model =
      spec.kind === 'sequential' ? buildSequential(ctx.fn, spec, built) : buildFunctional(ctx.fn, spec, built);
    return { model, built };
  } catch (err) {
    disposeLayers(built.flatMap((b) => b.converted?.layers ?? []));
    if (err instanceof ModelImportError) throw err;
    throw new ModelImportError(
      `${ctx.fn}: the layers do not fit together: ${(err as Error).message}. The file is corrupt.`,
    );
  }
}
