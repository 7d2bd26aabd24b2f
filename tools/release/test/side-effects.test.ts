import { node, publicPackages } from './helpers';

// A package may declare "sideEffects": false only if loading it changes nothing outside its own modules:
// no class registered with tfjs (registerClass), no kernel or gradient, no backend, flag or global.
// Bundlers drop the unused modules of such a package, so a registration there would silently vanish.
// Each package is loaded in its own process after tfjs and its @lipnet dependencies, between two snapshots.
const SNAPSHOT = `
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-layers');
require('@tensorflow/tfjs-backend-cpu');
const keys = (m) => (m instanceof Map ? [...m.keys()] : Object.keys(m ?? {})).sort();
const snap = () => ({
  globals: Object.keys(globalThis).sort(),
  classes: keys(tf.serialization.SerializationMap.getMap().classNameMap),
  kernels: keys(globalThis._tfGlobals.get('kernelRegistry')),
  gradients: keys(globalThis._tfGlobals.get('gradRegistry')),
  backends: keys(tf.engine().registryFactory),
  flags: keys(tf.env().flagRegistry),
});
const [deps, name] = JSON.parse(process.argv[1]);
for (const d of deps) require(d);
const a = snap();
require(name);
const b = snap();
const changed = {};
for (const k of Object.keys(a)) {
  const added = b[k].filter((x) => !a[k].includes(x));
  if (added.length) changed[k] = added;
}
console.log(JSON.stringify(changed));
`;

describe('sideEffects in package.json', () => {
  const pkgs = publicPackages();
  const effects = new Map<string, Record<string, string[]>>();

  beforeAll(() => {
    for (const { name, pkg } of pkgs) {
      const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@lipnet/'));
      const r = node(['-e', SNAPSHOT, JSON.stringify([deps, name])]);
      if (r.status !== 0) throw new Error(`loading ${name} failed: ${r.stderr}`);
      effects.set(name, JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string[]>);
    }
  });

  it.each(pkgs.map((p) => [p.name, p.pkg.sideEffects]))(
    '%s: "sideEffects": %p matches what loading it does',
    (name) => {
      const changed = effects.get(name)!;
      const declared = pkgs.find((p) => p.name === name)!.pkg.sideEffects;
      if (declared === false) expect(changed).toEqual({});
      if (Object.keys(changed).length > 0) expect(declared).not.toBe(false);
    },
  );

  it('the libraries that register tfjs classes are the ones expected, and they keep their side effects', () => {
    const registering = [...effects].filter(([, c]) => c.classes?.length).map(([n]) => n);
    expect(registering).toEqual(expect.arrayContaining(['@lipnet/constraints', '@lipnet/layers']));
    expect(effects.get('@lipnet/layers')!.classes).toEqual(expect.arrayContaining(['SpectralDense', 'GroupSort']));
    for (const n of registering) expect(pkgs.find((p) => p.name === n)!.pkg.sideEffects).toBeUndefined();
  });
});
