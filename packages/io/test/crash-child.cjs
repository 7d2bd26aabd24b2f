// Saves model B over the folder argv[2] and kills itself (SIGKILL: no cleanup, like a power cut) just
// before its argv[3]-th file-system mutation; a write at that point is cut to its first half first.
require('@tensorflow/tfjs-backend-cpu');
const fsp = require('fs').promises;
const { saveModel } = require('@lipnet/io');
const { modelB } = require('./models.cjs');

const [dir, killAt] = [process.argv[2], Number(process.argv[3])];
let n = 0;
const crash = () => {
  process.kill(process.pid, 'SIGKILL');
  return new Promise(() => {});
};
for (const m of ['open', 'rename', 'link', 'copyFile', 'rm', 'unlink']) {
  const orig = fsp[m];
  fsp[m] = async (...args) => {
    if (m === 'open' && !/[wa+]/.test(String(args[1] ?? 'r'))) return orig.apply(fsp, args);
    if (++n === killAt) await crash();
    return orig.apply(fsp, args);
  };
}

(async () => {
  const probe = await fsp.open(__filename, 'r');
  const FileHandle = Object.getPrototypeOf(probe);
  await probe.close();
  const writeFile = FileHandle.writeFile;
  FileHandle.writeFile = async function (data, ...rest) {
    if (++n === killAt) {
      await writeFile.call(this, data.slice(0, Math.floor(data.length / 2)), ...rest);
      await crash();
    }
    return writeFile.call(this, data, ...rest);
  };
  await saveModel(modelB(), dir);
  console.log(JSON.stringify({ steps: n }));
})();
