import * as tf from '@tensorflow/tfjs-core';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { ModelImportError, loadDeelLipModel } from '../src';
import { fixtureBytes } from './helpers';

// Everything loadDeelLipModel refuses: each error names what was wrong and what to do, and nothing is loaded.
/** The parts of a .keras config.json the tests edit: one layer's entry and its (open) config. */
interface LayerJson {
  class_name: string;
  registered_name?: string;
  config: { name: string; [option: string]: unknown };
}
/** A .keras config.json: the model's class and its layers. */
interface ModelJson {
  class_name: string;
  config: { layers: LayerJson[] };
}

/** cnn.keras (or `fixture`) with its config.json (or metadata.json / weights) changed by `edit`. */
function editedKeras(
  edit: (config: ModelJson, files: Record<string, Uint8Array>) => void,
  fixture = 'deel-lip/cnn.keras',
): Uint8Array {
  const files = unzipSync(fixtureBytes(fixture));
  const config = JSON.parse(strFromU8(files['config.json']!)) as ModelJson;
  edit(config, files);
  files['config.json'] = strToU8(JSON.stringify(config));
  return zipSync(files, { level: 0 });
}

/** The config of the layer named `name` in a .keras config. */
function layer(config: ModelJson, name: string): LayerJson['config'] {
  const found = config.config.layers.find((l) => l.config.name === name);
  if (!found) throw new Error(`cnn.keras has no layer '${name}'`);
  return found.config;
}

async function refusal(bytes: Uint8Array, options?: Parameters<typeof loadDeelLipModel>[1]): Promise<string> {
  const before = tf.memory().numTensors;
  const err = await loadDeelLipModel(bytes, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelImportError);
  expect(tf.memory().numTensors).toBe(before); // a failed load leaves nothing allocated
  return (err as Error).message;
}

describe('loadDeelLipModel refuses what it cannot reproduce', () => {
  it.each([
    ['up', 'Conv2DTranspose'],
    ['down', 'Conv2D'],
  ])('a Keras %s (%s) padding tfjs does not have is an unsupported configuration', async (name) => {
    const bytes = editedKeras((c) => {
      layer(c, name).padding = 'causal';
    }, 'deel-lip/convs_vanilla.keras');
    const err: unknown = await loadDeelLipModel(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelImportError);
    expect((err as ModelImportError).code).toBe('UNSUPPORTED_CONFIGURATION');
    expect((err as Error).message).toMatch(/padding.*is not supported: tfjs pads 'valid' or 'same'/);
  });

  it('a deel-lip class lipnet does not know (every deel-lip 1.5 class loads: a saved config renamed)', async () => {
    const renamed = editedKeras((c) => {
      const l = c.config.layers.find((k) => k.config.name === 'conv1')!;
      l.class_name = 'SpectralConv3D';
      l.registered_name = 'deel-lip>SpectralConv3D';
    });
    const msg = await refusal(renamed);
    expect(msg).toMatch(/layer 'conv1' \(deel-lip SpectralConv3D\) is not supported: lipnet has no counterpart/);
    expect(msg).toMatch(/Supported deel-lip classes: .*PadConv2D.*SpectralConv2DTranspose.*Nothing was loaded/);
  });

  it('a Keras layer it does not load (LayerNormalization, .h5 saved by deel-lip)', async () => {
    const msg = await refusal(fixtureBytes('deel-lip/refused-layernorm.h5'));
    expect(msg).toMatch(
      /layer 'norm' \(Keras LayerNormalization\) is not supported.*Supported Keras classes: .*Conv2D/,
    );
  });

  it('an option lipnet does not reproduce, naming layer, option and value', async () => {
    const valid = editedKeras((c) => (layer(c, 'conv2').padding = 'valid'));
    expect(await refusal(valid)).toMatch(
      /layer 'conv2' \(deel-lip SpectralConv2D\): option padding="valid" is not supported: deel-lip 1\.5's SpectralConv2D raises on any padding but 'same'/,
    );
    const reg = editedKeras(
      (c) =>
        (layer(c, 'dense').kernel_regularizer = {
          module: 'keras.regularizers',
          class_name: 'OrthogonalRegularizer',
          config: { factor: 0.01 },
        }),
    );
    expect(await refusal(reg)).toMatch(
      /layer 'dense' \(deel-lip SpectralDense\): option kernel_regularizer=.*OrthogonalRegularizer.* is not supported: lipnet reproduces L1, L2, L1L2, LorthRegularizer, OrthDenseRegularizer only/,
    );
    const constraint = editedKeras(
      (c) => (layer(c, 'conv1').kernel_constraint = { module: 'keras.constraints', class_name: 'NonNeg', config: {} }),
    );
    expect(await refusal(constraint)).toMatch(
      /layer 'conv1' \(deel-lip SpectralConv2D\): option kernel_constraint=.*NonNeg.* is not supported.*would change training/,
    );
    const unknown = editedKeras((c) => (layer(c, 'head').flux_capacitor = 3));
    expect(await refusal(unknown)).toMatch(
      /layer 'head' \(deel-lip FrobeniusDense\): option flux_capacitor=3 not known to this loader/,
    );
    const gs = editedKeras(
      (c) =>
        (layer(c, 'conv1').activation = {
          module: 'deel.lip.layers.activations',
          class_name: 'Householder',
          config: { name: 'h' },
          registered_name: 'deel-lip>Householder',
        }),
    );
    expect(await refusal(gs)).toMatch(
      /layer 'conv1'.*option activation=.* is not supported.*Householder \(it has weights: make it a layer of its own\)/,
    );
  });

  it('InvertibleDownSampling without the channel order (the file does not say which deel-lip wrote it)', async () => {
    const msg = await refusal(fixtureBytes('deel-lip/zoo.keras'));
    expect(msg).toMatch(
      /layer 'down' \(deel-lip InvertibleDownSampling\).*Pass \{invertibleChannelOrder: 'spacetodepth'\} \(deel-lip ≤ 1\.5\.0\)/,
    );
  });

  it('weights that do not match the config (shape), without leaking', async () => {
    const msg = await refusal(editedKeras((c) => (layer(c, 'dense').units = 5)));
    expect(msg).toMatch(
      /layer 'dense' \(deel-lip SpectralDense\): weight 'kernel' is saved with shape \[16, 6\], the layer needs \[16, 5\]/,
    );
  });

  it('a weights-only file, a Keras 3 file and a custom class', async () => {
    expect(await refusal(fixtureBytes('deel-lip/refused-weights-only.h5'))).toMatch(
      /holds weights only \(model\.save_weights\)\. Pass a file written by model\.save\('x\.h5'\)/,
    );
    const k3 = editedKeras((_, f) => (f['metadata.json'] = strToU8(JSON.stringify({ keras_version: '3.3.3' }))));
    expect(await refusal(k3)).toMatch(/saved by Keras 3\.3\.3; deel-lip 1\.5 runs on Keras 2/);
    const custom = editedKeras((c) => (c.config.layers[1]!.registered_name = 'my_pkg>MyConv'));
    expect(await refusal(custom)).toMatch(/custom class 'my_pkg>MyConv'/);
  });
});

describe('loadDeelLipModel refuses corrupt bytes', () => {
  const h5 = fixtureBytes('deel-lip/cnn.h5');
  const keras = fixtureBytes('deel-lip/cnn.keras');

  it('truncated .h5 and .keras files', async () => {
    expect(await refusal(h5.slice(0, h5.length >> 1))).toMatch(
      /the \.h5 file could not be opened as HDF5: truncated file: eof = 25840.*stored_eof = 51680.*save the model again/,
    );
    expect(await refusal(keras.slice(0, keras.length - 100))).toMatch(
      /the \.keras file is not a readable zip archive.*truncated or corrupt/,
    );
  });

  it('a .keras whose weights file is truncated inside an intact zip', async () => {
    const bytes = editedKeras((_, f) => (f['model.weights.h5'] = f['model.weights.h5']!.slice(0, 3000)));
    expect(await refusal(bytes)).toMatch(
      /model\.weights\.h5 in the \.keras file could not be opened as HDF5: truncated file/,
    );
  });

  it('bytes that are no model file, an empty file, a corrupt config and a format mismatch', async () => {
    expect(await refusal(new Uint8Array(64).fill(7))).toMatch(
      /neither an HDF5 file \(\.h5\) nor a zip archive \(\.keras\)/,
    );
    expect(await refusal(new Uint8Array(0))).toMatch(/the file is empty/);
    const files = unzipSync(keras);
    files['config.json'] = strToU8('{"class_name": "Sequential", "config": {');
    expect(await refusal(zipSync(files, { level: 0 }))).toMatch(/config\.json in the \.keras file is not valid JSON/);
    expect(await refusal(h5, { format: 'keras' })).toMatch(
      /`format` is 'keras' but the bytes are an HDF5 \(\.h5\) file/,
    );
  });

  it('arguments that are not bytes or not options', async () => {
    await expect(loadDeelLipModel('model.h5' as unknown as Uint8Array)).rejects.toThrow(
      /expected `bytes` to be the file's bytes.*got a string \('model\.h5'\).*fs\.readFileSync/,
    );
    await expect(loadDeelLipModel(h5, { invertibleChannelOrder: 'nchw' as 'pixelshuffle' })).rejects.toThrow(
      /expected `invertibleChannelOrder` to be one of 'spacetodepth', 'pixelshuffle', got 'nchw'\. Pass 'spacetodepth' \(deel-lip ≤ 1\.5\.0\)/,
    );
    await expect(loadDeelLipModel(h5, { strict: true } as never)).rejects.toThrow(
      /unknown option `strict`\. Valid options: format, invertibleChannelOrder/,
    );
  });
});

describe('loadDeelLipModel refuses layers that do not fit together', () => {
  it('a config whose shapes are inconsistent, freeing the layers already built', async () => {
    const msg = await refusal(
      editedKeras((c) => (c.config.layers[0]!.config['batch_input_shape'] = [null, 8, 8, 3, 1])),
    );
    expect(msg).toMatch(/the layers do not fit together: .*The file is corrupt/);
  });
});
