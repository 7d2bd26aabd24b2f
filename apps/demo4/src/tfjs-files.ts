/**
 * Saving and loading TF.js Layers models as files (`model.json` + `weights.bin`,
 * the format of `tfjs.converters` and `model.save('file://…')`) without
 * tfjs-node: `tf.io.withSaveHandler` gives us the artifacts, we write them;
 * loading reads them back into `tf.io.fromMemory`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from './atomic-write';
import { makeDirs } from './output-dir';

/** The model.json written (the standard TF.js layers-model file). */
export interface ModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Saves `model` into `dir` as `model.json` + `weights.bin`. Returns the paths and byte sizes. */
export async function saveModelToDir(
  model: tfl.LayersModel,
  dir: string,
): Promise<{ modelJson: string; weightsBin: string; weightBytes: number }> {
  makeDirs(dir);
  const modelJson = path.join(dir, 'model.json');
  const weightsBin = path.join(dir, 'weights.bin');
  let weightBytes = 0;
  await model.save(
    tf.io.withSaveHandler((a) => {
      const data = a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
      weightBytes = data.byteLength;
      const json: ModelJson = {
        format: 'layers-model',
        generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: a.convertedBy ?? null,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs ?? [] }],
      };
      writeFileAtomic(weightsBin, new Uint8Array(data));
      writeFileAtomic(modelJson, JSON.stringify(json));
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength },
      });
    }),
  );
  return { modelJson, weightsBin, weightBytes };
}

/** Loads a model saved by {@link saveModelToDir} (or any single-shard TF.js layers model). */
export async function loadModelFromDir(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: specs,
      weightData,
    }),
  );
}
