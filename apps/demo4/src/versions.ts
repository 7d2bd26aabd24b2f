/** Versions of everything that produced a result (for results.json). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

function pkgVersion(name: string): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** Node, tfjs and @lipnet package versions. */
export function collectVersions(): Record<string, string | null> {
  return {
    node: process.version,
    '@tensorflow/tfjs-core': tf.version_core,
    '@tensorflow/tfjs-layers': tfl.version_layers,
    '@tensorflow/tfjs-backend-cpu': pkgVersion('@tensorflow/tfjs-backend-cpu'),
    '@tensorflow/tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
    '@lipnet/constraints': pkgVersion('@lipnet/constraints'),
    '@lipnet/layers': pkgVersion('@lipnet/layers'),
    '@lipnet/losses': pkgVersion('@lipnet/losses'),
    '@lipnet/attacks': pkgVersion('@lipnet/attacks'),
    '@lipnet/certificates': pkgVersion('@lipnet/certificates'),
    '@lipnet/backend': pkgVersion('@lipnet/backend'),
    pngjs: pkgVersion('pngjs'),
    demo4: pkgVersion('demo4') ?? pkgVersion('../package.json'),
  };
}
