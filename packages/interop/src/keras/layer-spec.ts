import { ModelImportError } from '../errors';
import { show } from './config-reader';

/** One layer entry of a saved Keras 2 model config, with its class resolved. */
export interface LayerSpec {
  /** Who defines the class: deel-lip (`deel-lip>X`, module `deel.lip…`) or Keras itself. */
  origin: 'deel-lip' | 'keras';
  /** The Python class name, e.g. `SpectralConv2D`, `Flatten`. */
  className: string;
  /** The layer's config (snake_case keys, as saved). */
  config: Record<string, unknown>;
  /** The layer name (`config.name`). */
  name: string;
  /** Functional models: the saved `inbound_nodes`. */
  inboundNodes?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Resolves a saved class reference. `.h5` files write deel-lip classes as `class_name: 'deel-lip>X'`;
 * `.keras` files as `class_name: 'X'` with `module: 'deel.lip…'` and `registered_name: 'deel-lip>X'`.
 * Keras' own classes have no prefix and a `keras…` module (or none). Anything else is a custom class.
 */
export function resolveClass(
  fn: string,
  where: string,
  raw: Record<string, unknown>,
): Pick<LayerSpec, 'origin' | 'className'> {
  const cls = raw['class_name'];
  const registered = raw['registered_name'];
  const module = raw['module'];
  if (typeof cls !== 'string' || cls === '') {
    throw new ModelImportError(`${fn}: ${where} has no class_name (got ${show(cls)}). The file is corrupt.`);
  }
  for (const name of [registered, cls]) {
    if (typeof name === 'string' && name.includes('>')) {
      const [pkg, rest] = [name.slice(0, name.indexOf('>')), name.slice(name.indexOf('>') + 1)];
      if (pkg === 'deel-lip') return { origin: 'deel-lip', className: rest };
      throw new ModelImportError(
        `${fn}: ${where} is of the custom class '${name}', which is neither deel-lip's nor Keras'. lipnet can only load deel-lip and Keras layers; rebuild the model without it.`,
        { code: 'UNSUPPORTED_LAYER' },
      );
    }
  }
  if (typeof module === 'string' && module.startsWith('deel.lip')) return { origin: 'deel-lip', className: cls };
  if (module === undefined || module === null || (typeof module === 'string' && module.startsWith('keras'))) {
    return { origin: 'keras', className: cls };
  }
  throw new ModelImportError(
    `${fn}: ${where} is of class '${cls}' from module '${typeof module === 'string' ? module : show(module)}', which is neither deel-lip's nor Keras'. lipnet can only load deel-lip and Keras layers.`,
    { code: 'UNSUPPORTED_LAYER' },
  );
}

/** A {@link LayerSpec} from one entry of `config.layers` (index `i` for messages). */
export function layerSpec(fn: string, raw: unknown, i: number): LayerSpec {
  if (!isObject(raw) || !isObject(raw['config'])) {
    throw new ModelImportError(
      `${fn}: layer #${i} of the model config is not {class_name, config}. The file is corrupt.`,
    );
  }
  const config = raw['config'];
  const name =
    typeof config['name'] === 'string' ? config['name'] : typeof raw['name'] === 'string' ? raw['name'] : `#${i}`;
  const { origin, className } = resolveClass(fn, `layer '${name}'`, raw);
  return { origin, className, config, name, inboundNodes: raw['inbound_nodes'] };
}

/** `"layer 'conv1' (deel-lip SpectralConv2D)"`, how messages name a layer. */
export function describeLayer(spec: Pick<LayerSpec, 'name' | 'origin' | 'className'>): string {
  return `layer '${spec.name}' (${spec.origin === 'deel-lip' ? 'deel-lip' : 'Keras'} ${spec.className})`;
}

/** Keras' `to_snake_case` (2.15): the key under which `.keras` files store a layer's variables. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure.startsWith('_') ? 'private' + insecure : insecure;
}
