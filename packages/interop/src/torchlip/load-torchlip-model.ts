import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { toBytes, type FileBytes } from '../bytes';
import { disposeLayers } from '../dispose-layers';
import { ModelImportError } from '../errors';
import { ConfigReader, show } from '../keras/config-reader';
import { readSafetensors, type SafeTensor } from '../safetensors/read-safetensors';
import { activation, conv, linear, pooling, type KernelLayout, type TorchlipConverted } from './torchlip-layers';

const FN = 'loadTorchlipModel';

/** One module of an exported torchlip Sequential (tools/reference/export_torchlip.py). */
export interface TorchlipLayerSpec {
  /** Its name in the Sequential, which prefixes its state-dict keys (`'0'`, `'1'`, …). */
  name: string;
  /** The torchlip class: SpectralLinear, FrobeniusLinear, SpectralConv2d, FrobeniusConv2d, GroupSort, GroupSort2, FullSort, MaxMin, ScaledL2NormPool2d, ScaledAvgPool2d, Flatten. */
  type: string;
  /** Its input shape without the batch axis, channels first (C, H, W) or (F). */
  inputShape: number[];
  [option: string]: unknown;
}

/** The architecture file written by `export_torchlip.py` beside the safetensors weights. */
export interface TorchlipArchitecture {
  format: 'lipnet-torchlip/1';
  /** One input without the batch axis, channels first (C, H, W) or (F). */
  inputShape: number[];
  layers: TorchlipLayerSpec[];
  torch?: string;
  deelTorchlip?: string;
}

const LINEAR = new Set(['SpectralLinear', 'FrobeniusLinear']);

function parseArchitecture(arch: unknown): TorchlipArchitecture {
  let a = arch;
  if (typeof a === 'string') {
    try {
      a = JSON.parse(a);
    } catch (err) {
      throw new ModelImportError(
        `${FN}: \`architecture\` is a string but not JSON (${(err as Error).message}). Pass the JSON written by export_torchlip.py, or its parsed object.`,
      );
    }
  }
  const o = a as Partial<TorchlipArchitecture> | null;
  if (
    !o ||
    typeof o !== 'object' ||
    o.format !== 'lipnet-torchlip/1' ||
    !Array.isArray(o.layers) ||
    !Array.isArray(o.inputShape)
  ) {
    throw new ModelImportError(
      `${FN}: \`architecture\` is not {format: 'lipnet-torchlip/1', inputShape, layers} (got ${show(a)}). Pass the JSON written by tools/reference/export_torchlip.py.`,
    );
  }
  return o as TorchlipArchitecture;
}

/** Converts one module; `layout` carries a preceding Flatten's (C, H, W) to the Linear that follows it. */
function convert(
  spec: TorchlipLayerSpec,
  next: TorchlipLayerSpec | undefined,
  layout: KernelLayout,
): TorchlipConverted {
  const where = `layer '${spec.name}' (torchlip ${spec.type})`;
  const r = new ConfigReader(FN, where, spec);
  r.ignore('type', 'inputShape');
  let out: TorchlipConverted;
  try {
    if (LINEAR.has(spec.type)) out = linear(r, spec.type === 'SpectralLinear', layout);
    else if (spec.type === 'SpectralConv2d' || spec.type === 'FrobeniusConv2d')
      out = conv(r, spec.type === 'SpectralConv2d');
    else if (['GroupSort', 'GroupSort2', 'FullSort', 'MaxMin'].includes(spec.type)) out = activation(r, spec.type);
    else if (spec.type === 'ScaledL2NormPool2d' || spec.type === 'ScaledAvgPool2d')
      out = pooling(r, spec.type === 'ScaledL2NormPool2d');
    else if (spec.type === 'Flatten') {
      r.only('startDim', [1], 'lipnet flattens all axes but the batch.');
      r.only('endDim', [-1], 'lipnet flattens all axes but the batch.');
      const s = spec.inputShape;
      if (s.length === 3 && s[1]! * s[2]! > 1 && !(next && LINEAR.has(next.type))) {
        throw new ModelImportError(
          `${FN}: ${where} must be followed by a SpectralLinear or FrobeniusLinear: torch flattens (C, H, W) and tfjs (H, W, C), and lipnet reorders the next Linear's weights to match.`,
        );
      }
      out = { layers: [tfl.layers.flatten({ name: r.string('name', '') })] };
    } else {
      throw new ModelImportError(
        `${FN}: ${where} is not supported. Supported: SpectralLinear, FrobeniusLinear, SpectralConv2d, FrobeniusConv2d, GroupSort, GroupSort2, FullSort, MaxMin, ScaledL2NormPool2d, ScaledAvgPool2d, Flatten.`,
        { code: 'UNSUPPORTED_LAYER', option: 'architecture' },
      );
    }
    r.finish();
  } catch (err) {
    if (err instanceof ModelImportError) throw err;
    throw new ModelImportError(`${FN}: ${where} cannot be reproduced: ${(err as Error).message}`);
  }
  return out;
}

/** Reads state-dict tensors by key, checking the shape torch gives them. */
function tensorSource(tensors: Map<string, SafeTensor>, used: Set<string>) {
  return (key: string, shape: number[]): tf.Tensor => {
    const t = tensors.get(key);
    if (!t)
      throw new ModelImportError(
        `${FN}: the safetensors file has no '${key}'. Export the model with tools/reference/export_torchlip.py.`,
      );
    if (t.shape.join(',') !== shape.join(',')) {
      throw new ModelImportError(
        `${FN}: '${key}' has shape [${t.shape.join(', ')}] in the safetensors file, the architecture needs [${shape.join(', ')}]. The two files do not belong together.`,
      );
    }
    used.add(key);
    return tf.tensor(t.values, t.shape);
  };
}

/**
 * Loads a deel-torchlip 1.0.5 Sequential exported by `tools/reference/export_torchlip.py` (its state dict and
 * eval weights as safetensors, its layers as JSON) as a tfjs model of @lipnet layers. The model takes
 * **channels-last** inputs `[N, H, W, C]` (transpose torch's NCHW with `tf.transpose(x, [0, 2, 3, 1])`);
 * kernels are turned from OIHW / [out, in] to HWIO / [in, out], and a Linear after a Flatten gets its rows
 * reordered from (C, H, W) to (H, W, C), so the logits equal torchlip's. Each Lipschitz layer serves torchlip's
 * eval weight until it trains; training then continues with lipnet's normalisers (deel-lip's RKO with the
 * 'strict' conv coefficient, torchlip's), which converge to the same kernels but not step for step. No pickle is
 * read: safetensors is plain JSON and little-endian arrays.
 *
 * @example
 * const model = await loadTorchlipModel(fs.readFileSync('model.safetensors'), fs.readFileSync('model.json', 'utf8'));
 */
export function loadTorchlipModel(
  safetensors: FileBytes,
  architecture: TorchlipArchitecture | string,
): Promise<tfl.LayersModel> {
  // Runs now, like an async function's body; a refusal rejects the promise instead of throwing.
  return new Promise((resolve) => resolve(buildTorchlipModel(safetensors, architecture)));
}

/** {@link loadTorchlipModel}'s work, synchronous: nothing in it waits. */
function buildTorchlipModel(safetensors: FileBytes, architecture: TorchlipArchitecture | string): tfl.LayersModel {
  const arch = parseArchitecture(architecture);
  const tensors = readSafetensors(FN, toBytes(FN, 'safetensors', safetensors));
  const converted = arch.layers.map((spec, i) => {
    const prev = arch.layers[i - 1];
    const layout: KernelLayout =
      prev?.type === 'Flatten' && prev.inputShape.length === 3
        ? { flattenedFrom: prev.inputShape as [number, number, number] }
        : {};
    return convert(spec, arch.layers[i + 1], layout);
  });
  const s = arch.inputShape;
  const batchInputShape = s.length === 3 ? [null, s[1]!, s[2]!, s[0]!] : [null, ...s];
  let model: tfl.LayersModel;
  try {
    model = tfl.sequential({
      layers: [tfl.layers.inputLayer({ batchInputShape }), ...converted.flatMap((c) => c.layers)],
    });
  } catch (err) {
    disposeLayers(converted.flatMap((c) => c.layers));
    throw new ModelImportError(`${FN}: the layers do not fit together: ${(err as Error).message}`);
  }
  const used = new Set<string>();
  try {
    for (const c of converted) c.assign?.(tensorSource(tensors, used));
    const names = new Set(arch.layers.map((l) => l.name));
    const stray = [...tensors.keys()].filter((k) => !names.has(k.split('.')[0]!));
    if (stray.length)
      throw new ModelImportError(
        `${FN}: the safetensors file holds ${stray.join(', ')}, of modules the architecture does not list. The two files do not belong together.`,
      );
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
