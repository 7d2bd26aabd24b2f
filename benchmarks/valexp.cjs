const tf = require('@tensorflow/tfjs-core'); const tfl = require('@tensorflow/tfjs-layers');
const B = require('@lipnet/backend'); const L = require('@lipnet/layers');
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
  const vx = tf.randomUniform([4096, 28, 28, 1]);
  const run = () => tf.tidy(() => { model.predict(vx, { batchSize: 4096 }).dataSync(); });
  for (let i = 0; i < 3; i++) run();
  const v = []; for (let i = 0; i < 8; i++) { const t0 = performance.now(); run(); v.push(performance.now() - t0); } v.sort((a, b) => a - b);
  console.log('predict 4096 median', v[4].toFixed(1), 'min', v[0].toFixed(1), '→ 10k', (v[4] * 10000 / 4096).toFixed(0), 'ms');
  const p = await tf.profile(run);
  for (const k of p.kernels) console.log(k.name, k.kernelTimeMs.toFixed(2), JSON.stringify(k.inputShapes));
})();
