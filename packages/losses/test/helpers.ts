import * as L from '../src';

/** Every loss factory by its deel-lip class name. */
export const FACTORIES: Record<string, (x: never) => L.LipschitzLoss> = {
  KR: L.KR,
  HingeMargin: L.HingeMargin,
  HKR: L.HKR,
  MulticlassKR: L.MulticlassKR,
  MulticlassHinge: L.MulticlassHinge,
  MulticlassHKR: L.MulticlassHKR,
  MultiMargin: L.MultiMargin,
  CategoricalHinge: L.CategoricalHinge,
  TauCategoricalCrossentropy: L.TauCategoricalCrossentropy,
  TauSparseCategoricalCrossentropy: L.TauSparseCategoricalCrossentropy,
  TauBinaryCrossentropy: L.TauBinaryCrossentropy,
  MulticlassSoftHKR: L.MulticlassSoftHKR,
};

/** Builds a loss from a fixture's `loss` name and camelCase `args` (`'inf'` → Infinity). */
export function build(
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): L.LipschitzLoss {
  const a: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) a[k] = v === 'inf' ? Infinity : v;
  const f = FACTORIES[name];
  if (!f) throw new Error(`no factory for ${name}`);
  return f({ ...a, ...extra } as never);
}

/** deel-lip's hand-written 8×3 multiclass test batch (tests/test_losses.py). */
export const Y8x3_CLASSES = [0, 0, 0, 1, 1, 1, 2, 2];
export const P8x3 = [
  [1.5, 0.2, -0.5],
  [1, -1.2, 0.3],
  [0.8, 2, -2],
  [0, 1, -0.5],
  [-0.8, 2, 0],
  [2.4, -0.4, -1.1],
  [-0.1, -1.7, 0.6],
  [1.2, 1.3, 2.5],
];
