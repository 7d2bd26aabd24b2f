/**
 * The standard TF.js `model.json` (the file `model.save('file://…')` and the Python converter write):
 * built from save artifacts, and read back with every problem named.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { io } from '@tensorflow/tfjs-core';
import { corruptFile, missingFile } from './errors';

/** Optional model.json fields copied as they are between artifacts and the file. */
const OPTIONAL = ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'];

/** The model.json for `artifacts` whose weights are stored in the one file `weightsPath` (relative). */
export function modelJsonFor(artifacts: io.ModelArtifacts, weightsPath: string): io.ModelJSON {
  const json: Record<string, unknown> = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
  };
  for (const k of OPTIONAL) {
    const v = (artifacts as unknown as Record<string, unknown>)[k];
    if (v !== undefined) json[k] = v;
  }
  return json as unknown as io.ModelJSON;
}

function corrupt(file: string, why: string) {
  return corruptFile(
    'loadModel',
    `${file} ${why}. The file is damaged or is not a TF.js model.json: save the model again ` +
      '(saveModel, or model.save) or copy the folder anew.',
  );
}

/** Reads and checks `<dir>/model.json`. Throws a `LipnetDataError` naming what is wrong. */
export async function readModelJson(dir: string): Promise<{ file: string; json: io.ModelJSON }> {
  const stat = await fsp.stat(dir).catch(() => null);
  if (stat === null)
    throw missingFile('loadModel', `there is no folder ${path.resolve(dir)}. Pass the folder saveModel wrote.`);
  if (!stat.isDirectory())
    throw missingFile(
      'loadModel',
      `${path.resolve(dir)} is a file; pass the folder that holds model.json and its weights.`,
    );
  const file = path.join(path.resolve(dir), 'model.json');
  const text = await fsp.readFile(file, 'utf8').catch(() => {
    throw missingFile('loadModel', `${file} is missing. Pass a folder written by saveModel (or model.save).`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(file, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt(file, 'is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format === 'graph-model')
    throw corruptFile('loadModel', `${file} is a graph model; load it with tf.loadGraphModel instead.`);
  if (typeof m.modelTopology !== 'object' || m.modelTopology === null) throw corrupt(file, 'has no "modelTopology"');
  const groups = m.weightsManifest;
  const okGroup = (g: unknown) =>
    typeof g === 'object' && g !== null && Array.isArray((g as Group).paths) && Array.isArray((g as Group).weights);
  if (!Array.isArray(groups) || !groups.every(okGroup))
    throw corrupt(file, 'has no valid "weightsManifest" (a list of {paths, weights})');
  return { file, json: json as io.ModelJSON };
}

type Group = io.WeightsManifestConfig[number];

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes the weights of `specs` take, or null when a string weight makes it variable. */
export function expectedWeightBytes(specs: io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const size = BYTES[dtype];
    if (size === undefined) return null;
    total += size * s.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}
