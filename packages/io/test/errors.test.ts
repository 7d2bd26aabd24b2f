import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LipnetDataError, LipnetInputError, LipnetOptionError, LipnetUnsupportedError } from '@lipnet/core';
import { fileSystem, loadModel, saveModel } from '../src';

/** The parts of model.json these tests edit. */
interface ModelJsonDoc {
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  weightsManifest: { paths: string[] }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { modelA } = require('./models.cjs') as { modelA: () => tfl.LayersModel };

describe('clear errors, and nothing read outside the folder', () => {
  let tmp: string;
  let n = 0;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-io-errors-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A freshly saved model folder whose model.json `edit` may change. */
  async function saved(edit?: (json: ModelJsonDoc) => void): Promise<string> {
    const dir = path.join(tmp, `m${n++}`);
    await saveModel(modelA(), dir);
    if (edit) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJsonDoc;
      edit(json);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    }
    return dir;
  }
  const paths =
    (...p: string[]) =>
    (json: ModelJsonDoc) =>
      (json.weightsManifest[0]!.paths = p);

  /** loadModel(dir) fails with a LipnetDataError (FILE_NOT_FOUND or CORRUPT_DATA) whose message matches `re`. */
  async function expectError(dir: string, re: RegExp, code = /^(FILE_NOT_FOUND|CORRUPT_DATA)$/) {
    const err = await loadModel(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LipnetDataError);
    expect((err as LipnetDataError).code).toMatch(code);
    expect((err as Error).message).toMatch(re);
  }

  it('a missing folder, a file instead of a folder, a missing model.json', async () => {
    await expectError(path.join(tmp, 'nope'), /there is no folder .*nope\. Pass the folder saveModel wrote/);
    const dir = await saved();
    await expectError(path.join(dir, 'model.json'), /model\.json is a file; pass the folder that holds model\.json/);
    fs.rmSync(path.join(dir, 'model.json'));
    await expectError(dir, /model\.json is missing\. Pass a folder written by saveModel/);
  });

  it('a corrupt model.json: not JSON, not an object, no topology, no manifest, a graph model', async () => {
    const dir = await saved();
    const write = (s: string) => fs.writeFileSync(path.join(dir, 'model.json'), s);
    write('{"modelTopology": {');
    await expectError(dir, /model\.json is not valid JSON \(.*\)\. The file is damaged/);
    write('[1, 2]');
    await expectError(dir, /model\.json is not a JSON object/);
    write('{"weightsManifest": []}');
    await expectError(dir, /model\.json has no "modelTopology"/);
    write('{"modelTopology": {}, "weightsManifest": [{"paths": "weights.bin"}]}');
    await expectError(dir, /has no valid "weightsManifest" \(a list of \{paths, weights\}\)/);
    write('{"format": "graph-model", "modelTopology": {}}');
    await expectError(dir, /is a graph model; load it with tf\.loadGraphModel/);
  });

  it('a missing or truncated weights file', async () => {
    const dir = await saved();
    fs.truncateSync(path.join(dir, 'weights.bin'), 30);
    await expectError(dir, /hold 30 bytes, but its weightsManifest describes 60\. A file is truncated/);
    fs.rmSync(path.join(dir, 'weights.bin'));
    await expectError(dir, /the weights file .*weights\.bin listed in .*model\.json is missing/);
  });

  it('refuses weight paths that leave the folder: .., absolute, URL, symbolic link outside', async () => {
    const secret = path.join(tmp, 'secret.bin');
    fs.writeFileSync(secret, Buffer.alloc(60));
    await expectError(await saved(paths('../secret.bin')), /'\.\.\/secret\.bin', which contains a '\.\.' segment/);
    await expectError(await saved(paths('sub/../../secret.bin')), /contains a '\.\.' segment/);
    await expectError(
      await saved(paths(secret)),
      /which is an absolute path\. A model folder may only reference files inside itself/,
    );
    await expectError(await saved(paths('file:///etc/passwd')), /which is a URL or a drive path/);
    const linked = await saved(paths('link.bin'));
    fs.symlinkSync(secret, path.join(linked, 'link.bin'));
    await expectError(linked, /'link\.bin', which is a link to .*secret\.bin, outside /);
  });

  it('a topology or weights tfjs cannot build is corrupt data, an unregistered class unsupported (tfjs errors wrapped)', async () => {
    const layers = (json: ModelJsonDoc) => json.modelTopology.config.layers;
    await expectError(
      await saved((json) => (layers(json)[0]!.config['units'] = 'many')),
      /model\.json does not describe a model tfjs can build with its weights/,
      /^CORRUPT_DATA$/,
    );
    const unknown = await saved((json) => (layers(json)[0]!.class_name = 'NoSuchLayer'));
    const err = await loadModel(unknown).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LipnetUnsupportedError);
    expect((err as Error).message).toMatch(/uses a class tfjs does not know .*NoSuchLayer.*Import the package/);
    await expect(loadModel(await saved(), { strickt: false } as never)).rejects.toThrow(LipnetOptionError);
    await expect(loadModel(await saved(), { strict: 'no' } as never)).rejects.toThrow(
      /loadModel: expected `strict` to be a boolean, got 'no'/,
    );
  });

  it('accepts a symbolic link that stays inside the folder', async () => {
    const dir = await saved(paths('alias.bin'));
    fs.symlinkSync('weights.bin', path.join(dir, 'alias.bin'));
    await expect(loadModel(dir)).resolves.toBeDefined();
  });

  it('bad arguments to saveModel and fileSystem', async () => {
    await expect(saveModel({} as tfl.LayersModel, tmp)).rejects.toThrow(
      /saveModel: expected `model` to be a tfjs LayersModel/,
    );
    await expect(saveModel({} as tfl.LayersModel, tmp)).rejects.toBeInstanceOf(LipnetInputError);
    expect(() => fileSystem('')).toThrow(/fileSystem: expected `dir` to be a folder path/);
    expect(() => fileSystem(7 as never)).toThrow(LipnetInputError);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(saveModel(modelA(), file)).rejects.toThrow(/saveModel: cannot create the folder .*a-file \(EEXIST\)/);
  });
});

describe('outside Node.js', () => {
  it('the entry that browsers and other non-Node resolvers get throws, saying what to use instead', () => {
    expect(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the built CommonJS entry as a bundler would
      require('../dist/not-node.js');
    }).toThrow(/@lipnet\/io: runs in Node\.js only .*model\.save\('indexeddb:\/\/name'\)/);
  });
});
