/**
 * What `@lipnet/io` resolves to outside Node.js (browsers, workers): it reads and writes files, which
 * only Node can do here, so it says so at once instead of failing later on a missing `fs`.
 */
import { LipnetUnsupportedError } from '@lipnet/core';

throw new LipnetUnsupportedError({
  code: 'UNAVAILABLE',
  who: '@lipnet/io',
  message:
    'runs in Node.js only (it uses the file system). In a browser save with ' +
    "model.save('indexeddb://name') or model.save('downloads://name'), and load with tf.loadLayersModel.",
});
