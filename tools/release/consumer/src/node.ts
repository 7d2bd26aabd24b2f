// Node entry: saves with @lipnet/io into a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel } from '@lipnet/io';
import { trainCertifyAttack } from './program.js';

const dir = mkdtempSync(join(tmpdir(), 'lipnet-consumer-'));
trainCertifyAttack(
  async (model) => {
    const files = await saveModel(model, join(dir, 'model'));
    console.log(`saveModel: ${files.weightBytes} bytes of weights`);
    return loadModel(join(dir, 'model'));
  },
  (line) => console.log(line),
)
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
