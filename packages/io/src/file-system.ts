/**
 * A tfjs IOHandler for a model folder on the local file system: `model.json` + `weights.bin`, the layout
 * of tfjs-node's `file://` handler and of the Python converter, without tfjs-node.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { io } from '@tensorflow/tfjs-core';
import { LipnetInputError, formatValue } from '@lipnet/core';
import { replaceWithCopy, syncDir, writeAndSync, writeFileAtomic } from './atomic-file';
import { badArgument, corruptFile } from './errors';
import { expectedWeightBytes, modelJsonFor, readModelJson } from './model-json';
import { resolveInside } from './safe-path';

const WEIGHTS = 'weights.bin';
/** Files an interrupted save may leave behind: staged weights and temporary names. */
const LEFTOVER = /^\.(weights-[a-z0-9]+\.bin|(model\.json|weights\.bin)\.\d+-[a-z0-9]+\.tmp)$/;

async function prepareDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw badArgument(
      'saveModel',
      'dir',
      `cannot create the folder ${dir} (${err.code}). Pass a writable folder path.`,
    );
  });
  const stat = await fsp.stat(dir);
  if (!stat.isDirectory()) throw badArgument('saveModel', 'dir', `${dir} is a file; pass a folder path.`);
}

async function removeLeftovers(dir: string, keep: string): Promise<void> {
  for (const name of await fsp.readdir(dir))
    if (LEFTOVER.test(name) && name !== keep) await fsp.rm(path.join(dir, name), { force: true });
}

/**
 * Saves `artifacts` into `dir`. Every step leaves a complete model: the new weights are written under a
 * staging name, model.json switches to them (atomic rename), `weights.bin` is replaced by them, and
 * model.json switches to `weights.bin`. A crash at any point leaves the old model or the new one.
 */
async function save(dir: string, artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer)
    throw badArgument('saveModel', 'model', 'binary (graph) model topologies are not supported; save a LayersModel.');
  await prepareDir(dir);
  const data =
    artifacts.weightData === undefined
      ? new Uint8Array(0)
      : new Uint8Array(io.CompositeArrayBuffer.join(artifacts.weightData));
  const staged = `.weights-${Math.random().toString(36).slice(2, 12)}.bin`;
  const modelJson = path.join(dir, 'model.json');
  let referenced = false;
  try {
    await writeAndSync(path.join(dir, staged), data);
    await syncDir(dir);
    await writeFileAtomic(modelJson, JSON.stringify(modelJsonFor(artifacts, `./${staged}`)));
    referenced = true;
    await replaceWithCopy(path.join(dir, staged), path.join(dir, WEIGHTS));
    await writeFileAtomic(modelJson, JSON.stringify(modelJsonFor(artifacts, `./${WEIGHTS}`)));
    referenced = false;
  } finally {
    if (!referenced) await fsp.rm(path.join(dir, staged), { force: true });
  }
  await removeLeftovers(dir, staged);
  await syncDir(dir);
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: data.byteLength,
    },
  };
}

async function load(dir: string): Promise<io.ModelArtifacts> {
  const { file, json } = await readModelJson(dir);
  return io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((g) => g.weights);
    const files = await Promise.all(
      manifest.flatMap((g) => g.paths.map(async (p) => resolveInside(path.dirname(file), p, file))),
    );
    const buffers = await Promise.all(files.map((f) => fsp.readFile(f)));
    const bytes = buffers.reduce((n, b) => n + b.byteLength, 0);
    const expected = expectedWeightBytes(specs);
    if (expected !== null && bytes !== expected)
      throw corruptFile(
        'loadModel',
        `the weights files of ${file} (${files.join(', ')}) hold ${bytes} bytes, but its ` +
          `weightsManifest describes ${expected}. A file is truncated or belongs to another model: save the model again.`,
      );
    const joined = new Uint8Array(bytes);
    let offset = 0;
    for (const b of buffers) {
      joined.set(b, offset);
      offset += b.byteLength;
    }
    return [specs, joined.buffer];
  });
}

/**
 * An IOHandler for the model folder `dir`: `model.save(fileSystem(dir))` writes `model.json` +
 * `weights.bin` atomically, `tf.loadLayersModel(fileSystem(dir))` reads them back, reading nothing
 * outside `dir`. The equivalent of tfjs-node's `tf.io.fileSystem` / `'file://dir'`, in plain Node.js.
 *
 * @example
 * await model.save(fileSystem('out/model'));                   // out/model/model.json + weights.bin
 * const again = await tf.loadLayersModel(fileSystem('out/model'));
 */
export function fileSystem(dir: string): io.IOHandler {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: 'fileSystem',
      option: 'dir',
      expected: 'be a folder path (a non-empty string)',
      got: formatValue(dir),
      fix: "Pass e.g. 'out/model'.",
    });
  return { save: (artifacts) => save(dir, artifacts), load: () => load(dir) };
}
