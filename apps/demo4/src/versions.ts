/** Versions of everything that produced a result (for results.json). */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

function pkgVersion(name: string, from?: string): string | null {
  try {
    const file = require.resolve(`${name}/package.json`, from ? { paths: [from] } : undefined);
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
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
    // optional native backend, a dependency of @lipnet/backend
    '@tensorflow/tfjs-node': (() => {
      try {
        return pkgVersion('@tensorflow/tfjs-node', path.dirname(require.resolve('@lipnet/backend/package.json')));
      } catch {
        return null;
      }
    })(),
    demo4: (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
      .version,
  };
}
