import { checkBundle } from '../scripts/check-bundle';

const input = { bytes: 1, imports: [] };
const meta = (...files: string[]) => ({ inputs: Object.fromEntries(files.map((f) => [f, input])) });
const CORE = '../../node_modules/.pnpm/@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-core/dist';

describe('checkBundle', () => {
  test('accepts one entry per package', () => {
    expect(() =>
      checkBundle(meta(`${CORE}/index.js`, `${CORE}/engine.js`, '../../packages/layers/dist/index.mjs', 'src/main.ts')),
    ).not.toThrow();
  });
  test('refuses a package bundled through both its CommonJS and ES-module entries', () => {
    expect(() =>
      checkBundle(meta('../../packages/layers/dist/index.mjs', '../../packages/layers/dist/index.js')),
    ).toThrow(/packages\/layers is in the bundle 2 times/);
    expect(() => checkBundle(meta(`${CORE}/index.js`, `${CORE}/tf-core.node.js`))).toThrow(
      /@tensorflow\/tfjs-core is in the bundle 2 times/,
    );
  });
  test('refuses two installed copies of tfjs-core', () => {
    const other = CORE.replace('@4.22.0', '@4.21.0');
    expect(() => checkBundle(meta(`${CORE}/index.js`, `${other}/index.js`))).toThrow(
      /tfjs-core is in the bundle 2 times/,
    );
  });
  test('refuses Node built-ins', () => {
    expect(() => checkBundle(meta('fs', 'src/main.ts'))).toThrow(/Node built-ins in the browser bundle: fs/);
  });
});
