import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Saves `model` to memory (topology + weights, the same artefacts as
 * `model.save('file://…')`) and loads it back with `tf.loadLayersModel`, so
 * every custom class must be registered with `serialization.registerClass`.
 */
export async function saveLoadRoundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  if (!artifacts) throw new Error('saveLoadRoundTrip: the model saved nothing');
  // A JSON round trip proves the topology is plain data, as on disk.
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as tf.io.ModelArtifacts['modelTopology'];
  return tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }));
}
