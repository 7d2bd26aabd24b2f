import * as fs from 'fs';
import * as path from 'path';

/** Real path of `mod` as resolved from folder `from`. */
const resolveFrom = (mod: string, from: string) => fs.realpathSync(require.resolve(mod, { paths: [from] }));
const pkgDir = (name: string, from = __dirname) => path.dirname(resolveFrom(`${name}/package.json`, from));

describe('one copy of @tensorflow/tfjs-core', () => {
  const app = fs.realpathSync(require.resolve('@tensorflow/tfjs-core'));
  const appLayers = fs.realpathSync(require.resolve('@tensorflow/tfjs-layers'));

  it.each([
    '@lipnet/layers',
    '@lipnet/losses',
    '@lipnet/attacks',
    '@lipnet/certificates',
    '@lipnet/constraints',
    '@lipnet/backend',
  ])('%s resolves the same tfjs-core and tfjs-layers files as the app', (name) => {
    const dir = pkgDir(name);
    expect(resolveFrom('@tensorflow/tfjs-core', dir)).toBe(app);
    expect(resolveFrom('@tensorflow/tfjs-layers', dir)).toBe(appLayers);
  });

  it("the backends' tfjs-core (wasm, cpu, and tfjs-node's nested @tensorflow/tfjs when installed) is the app's", () => {
    const backendDir = pkgDir('@lipnet/backend');
    for (const b of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']) {
      expect(resolveFrom('@tensorflow/tfjs-core', pkgDir(b, backendDir))).toBe(app);
    }
    let nodeDir: string | undefined;
    try {
      nodeDir = pkgDir('@tensorflow/tfjs-node', backendDir);
    } catch {
      nodeDir = undefined; // optional dependency not installed: nothing more to check
    }
    if (nodeDir) {
      const tfjs = pkgDir('@tensorflow/tfjs', nodeDir);
      expect(resolveFrom('@tensorflow/tfjs-core', tfjs)).toBe(app);
      expect(resolveFrom('@tensorflow/tfjs-layers', tfjs)).toBe(appLayers);
      expect(resolveFrom('@tensorflow/tfjs-core', nodeDir)).toBe(app);
    }
  });
});
