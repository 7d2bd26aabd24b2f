/**
 * Paths read from a model.json are untrusted: a weights path must name a file inside the model's folder.
 * Absolute paths, `..` segments, URLs and symbolic links that lead outside the folder are refused.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { formatValue } from '@lipnet/core';
import { corruptFile, missingFile } from './errors';

/** Resolves manifest path `p` (e.g. `./weights.bin`) inside `dir`, or throws a `LipnetDataError`. */
export async function resolveInside(dir: string, p: string, modelJson: string): Promise<string> {
  const refuse = (why: string) =>
    corruptFile(
      'loadModel',
      `${modelJson} lists the weights file ${formatValue(p)}, which ${why}. A model folder ` +
        'may only reference files inside itself: fix the "paths" of its weightsManifest.',
    );
  if (typeof p !== 'string' || p.length === 0) throw refuse('is not a file name');
  if (/^[a-z][a-z0-9+.-]*:/i.test(p)) throw refuse('is a URL or a drive path');
  if (path.isAbsolute(p) || p.startsWith('/') || p.startsWith('\\')) throw refuse('is an absolute path');
  if (p.split(/[\\/]/).includes('..')) throw refuse("contains a '..' segment");
  const root = await fsp.realpath(dir);
  const file = path.resolve(root, p);
  let real: string;
  try {
    real = await fsp.realpath(file);
  } catch {
    throw missingFile(
      'loadModel',
      `the weights file ${file} listed in ${modelJson} is missing. Copy the whole model folder ` +
        '(model.json and every file its weightsManifest names), or save the model again.',
    );
  }
  if (real !== root && !real.startsWith(root + path.sep)) throw refuse(`is a link to ${real}, outside ${root}`);
  return real;
}
