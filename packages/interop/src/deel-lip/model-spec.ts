import { ModelImportError } from '../errors';
import { show } from '../keras/config-reader';
import { layerSpec, resolveClass, type LayerSpec } from '../keras/layer-spec';

/** A saved model's architecture: a Sequential or a functional graph of layers. */
export interface ModelSpec {
  kind: 'sequential' | 'functional';
  name: string | undefined;
  layers: LayerSpec[];
  /** Functional: `[layer, node, tensor]` of each input and output. */
  inputs: [string, number, number][];
  outputs: [string, number, number][];
  /** deel-lip Sequential's `k_coef_lip` (already applied to each layer's own `k_coef_lip` in the file). */
  kCoefLip: number | undefined;
  /** `.keras` files: the model's `build_config.input_shape` (a Sequential may have no InputLayer). */
  buildInputShape: (number | null)[] | undefined;
}

const SEQUENTIAL = new Set(['Sequential']);
const FUNCTIONAL = new Set(['Functional', 'Model']);
const MODEL_KEYS = new Set(['name', 'layers', 'k_coef_lip', 'input_layers', 'output_layers', 'trainable']);

/** Whether `t` is a Keras tensor reference `[layer, node, tensor]` (extra entries, e.g. kwargs, allowed). */
function isTensorRef(t: unknown): t is [string, number, number] {
  return Array.isArray(t) && typeof t[0] === 'string' && Number.isInteger(t[1]) && Number.isInteger(t[2]);
}

function tensorRefs(fn: string, v: unknown, what: string): [string, number, number][] {
  const list: unknown = Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every(isTensorRef)) {
    throw new ModelImportError(
      `${fn}: the model's ${what} is not a list of [layer, node, tensor] (got ${show(v)}). The file is corrupt.`,
    );
  }
  return list.map((t): [string, number, number] => [t[0], t[1], t[2]]);
}

/**
 * Parses a Keras 2 model config (`model_config` of `.h5`, `config.json` of `.keras`) of a Sequential (Keras'
 * or deel-lip's) or a functional model (Keras' Functional, deel-lip's Model). Nested models and any other
 * model class are refused.
 */
export function parseModelSpec(fn: string, raw: Record<string, unknown>): ModelSpec {
  const { origin, className } = resolveClass(fn, 'the model', raw);
  const isSeq = SEQUENTIAL.has(className);
  if (!isSeq && !FUNCTIONAL.has(className)) {
    throw new ModelImportError(
      `${fn}: the model is a ${origin === 'deel-lip' ? 'deel-lip ' : ''}${className}; lipnet loads Sequential and functional (Model) models saved with model.save().`,
    );
  }
  const cfg = raw['config'] as Record<string, unknown> | undefined;
  if (!cfg || typeof cfg !== 'object' || !Array.isArray(cfg['layers'])) {
    throw new ModelImportError(`${fn}: the model config has no list of layers. The file is corrupt.`);
  }
  const unknown = Object.keys(cfg).filter((k) => !MODEL_KEYS.has(k));
  if (unknown.length) {
    throw new ModelImportError(
      `${fn}: the model config has option(s) ${unknown.join(', ')} that this loader does not know. Nothing was loaded.`,
    );
  }
  const layers = (cfg['layers'] as unknown[]).map((l, i) => layerSpec(fn, l, i));
  for (const l of layers) {
    if (l.className === 'Sequential' || l.className === 'Functional' || l.className === 'Model') {
      throw new ModelImportError(
        `${fn}: layer '${l.name}' is a nested model (${l.className}); lipnet loads flat models only. Flatten the model before saving.`,
      );
    }
  }
  const k = cfg['k_coef_lip'];
  const bcfg = raw['build_config'] as { input_shape?: unknown } | undefined;
  const bis = Array.isArray(bcfg?.input_shape) ? (bcfg.input_shape as (number | null)[]) : undefined;
  return {
    kind: isSeq ? 'sequential' : 'functional',
    name: typeof cfg['name'] === 'string' ? cfg['name'] : undefined,
    layers,
    inputs: isSeq ? [] : tensorRefs(fn, cfg['input_layers'], 'input_layers'),
    outputs: isSeq ? [] : tensorRefs(fn, cfg['output_layers'], 'output_layers'),
    kCoefLip: typeof k === 'number' ? k : undefined,
    buildInputShape: bis,
  };
}
