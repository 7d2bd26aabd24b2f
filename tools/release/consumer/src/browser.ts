// Browser entry: saves to IndexedDB; every line also goes to the page.
import * as tf from '@tensorflow/tfjs';
import { trainCertifyAttack } from './program.js';

const out = document.getElementById('log')!;
const log = (line: string) => {
  console.log(line);
  out.textContent += `${line}\n`;
};

trainCertifyAttack(async (model) => {
  await model.save('indexeddb://lipnet-consumer');
  log('saved to indexeddb://lipnet-consumer');
  return tf.loadLayersModel('indexeddb://lipnet-consumer');
}, log).catch((err: unknown) => {
  log(`LIPNET-CONSUMER-FAILED ${String((err as Error)?.stack ?? err)}`);
});
