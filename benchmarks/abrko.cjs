const tf = require('@tensorflow/tfjs-core'); const tfl = require('@tensorflow/tfjs-layers');
const B = require('@lipnet/backend'); const L = require('@lipnet/layers'); const { MulticlassHKR, MulticlassKR } = require('@lipnet/losses');
(async () => {
  await B.selectBackend({ prefer: 'tensorflow', log: null });
  const gs = () => new L.GroupSort({ n: 2 }); const ortho = (k) => new L.SpectralInitializer({ seed: k });
  const model = L.sequential({ kCoefLip: 1, warn: () => undefined, layers: [
    L.spectralConv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: [3, 3], activation: gs(), kernelInitializer: ortho(1) }),
    L.scaledL2NormPooling2D({ poolSize: [2, 2] }),
    L.spectralConv2d({ filters: 32, kernelSize: [3, 3], activation: gs(), kernelInitializer: ortho(2) }),
    L.scaledL2NormPooling2D({ poolSize: [2, 2] }), tfl.layers.flatten(),
    L.spectralDense({ units: 64, activation: gs(), kernelInitializer: ortho(3) }),
    L.frobeniusDense({ units: 10, useBias: false, kernelInitializer: ortho(4), disjointNeurons: true })]});
  const loss = MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2', validate: false });
  const metrics = [tfl.metrics.categoricalAccuracy, MulticlassKR({ deelLipVersion: '1.2', validate: false })];
  const x = tf.randomUniform([4096, 28, 28, 1]); const y = tf.oneHot(tf.randomUniform([4096], 0, 10, 'int32'), 10).toFloat();
  const vars = model.trainableWeights.map((w) => w.read()); const opt = tf.train.adam(1e-4);
  const c = B.compileTrainingForward(model);
  const names = ['LipnetSpectralBjorck', 'LipnetSpectralBjorckGrad'];
  const saved = names.map((n) => tf.getKernel(n, 'tensorflow'));
  const set = (on) => names.forEach((n, i) => { const has = !!tf.getKernel(n, 'tensorflow'); if (on && !has) tf.registerKernel(saved[i]); if (!on && has) tf.unregisterKernel(n, 'tensorflow'); });
  const one = async (on) => { set(on); const t0 = performance.now(); await B.tapeStep(() => c.apply(x), vars, y, opt, loss, metrics); return performance.now() - t0; };
  const res = { off: [], on: [] };
  for (const k of [false, true, false, true]) await one(k);
  for (let r = 0; r < 4; r++) for (const k of ['off', 'on']) for (let i = 0; i < 4; i++) res[k].push(await one(k === 'on'));
  for (const k of ['off', 'on']) { const v = res[k].sort((a, b) => a - b); console.log(k, 'median', v[v.length >> 1].toFixed(1), 'min', v[0].toFixed(1), 'max', v.at(-1).toFixed(1), 'n', v.length); }
  const g = c.runTimes(); console.log('graph runs', JSON.stringify(g));
})();
