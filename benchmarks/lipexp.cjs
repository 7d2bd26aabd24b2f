const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const { selectBackend } = require('@lipnet/backend');
const L = require('@lipnet/layers');
const now = () => Number(process.hrtime.bigint()) / 1e6;
(async () => {
  await selectBackend({ prefer: 'tensorflow', log: null });
  const ortho = (k) => new L.SpectralInitializer({ seed: 31 + k });
  const gs = () => new L.GroupSort({ n: 2 });
  const model = L.sequential({ name: 'm', kCoefLip: 1, warn: () => undefined, layers: [
      L.spectralConv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: [3, 3], activation: gs(), kernelInitializer: ortho(1) }),
      L.scaledL2NormPooling2D({ poolSize: [2, 2] }),
      L.spectralConv2d({ filters: 32, kernelSize: [3, 3], activation: gs(), kernelInitializer: ortho(2) }),
      L.scaledL2NormPooling2D({ poolSize: [2, 2] }),
      tfl.layers.flatten(),
      L.spectralDense({ units: 64, activation: gs(), kernelInitializer: ortho(3) }),
      L.frobeniusDense({ units: 10, useBias: false, kernelInitializer: ortho(4), disjointNeurons: true }),
  ]});
  model.predict(tf.zeros([1,28,28,1]));
  const lip = model.layers.filter((l) => typeof l.trainingKernel === 'function');
  const run = () => tf.tidy(() => {
    const g = tf.variableGrads(() => tf.addN(lip.map((l) => tf.sum(l.trainingKernel()))));
    Object.values(g.grads).forEach((t) => t.dataSync());
  });
  for (let i = 0; i < 5; i++) run();
  const ts = [];
  for (let i = 0; i < 20; i++) { const t0 = now(); run(); ts.push(now() - t0); }
  ts.sort((a, b) => a - b);
  console.log('W̄+grad median ms', ts[10].toFixed(2), 'min', ts[0].toFixed(2));
  const prof = await tf.profile(() => run());
  const by = {};
  for (const k of prof.kernels) { by[k.name] = (by[k.name] || 0) + 1; }
  console.log('kernels', prof.kernels.length, JSON.stringify(by));
  // per layer
  for (const l of lip) {
    const r = () => tf.tidy(() => { const g = tf.variableGrads(() => tf.sum(l.trainingKernel())); Object.values(g.grads).forEach((t) => t.dataSync()); });
    for (let i = 0; i < 3; i++) r();
    const t = []; for (let i = 0; i < 20; i++) { const t0 = now(); r(); t.push(now() - t0); } t.sort((a,b)=>a-b);
    const p = await tf.profile(() => r());
    console.log(l.name, l.kernel.shape, 'median', t[10].toFixed(2), 'kernels', p.kernels.length);
  }
})();
setTimeout(async () => {
  const L = require('@lipnet/layers');
  const l = L.spectralDense({ units: 64, activation: new L.GroupSort({n:2}), kernelInitializer: new L.SpectralInitializer({ seed: 5 }) });
  l.apply(tf.zeros([1, 1568]));
  const r = () => tf.tidy(() => { const g = tf.variableGrads(() => tf.sum(l.trainingKernel())); Object.values(g.grads).forEach((t) => t.dataSync()); });
  for (let i = 0; i < 5; i++) r();
  const p = await tf.profile(() => r());
  const agg = {};
  for (const k of p.kernels) { const a = agg[k.name] || (agg[k.name] = { n: 0, ms: 0 }); a.n++; a.ms += k.kernelTimeMs; }
  console.log(Object.entries(agg).sort((a, b) => b[1].ms - a[1].ms).slice(0, 12).map(([k, v]) => `${k} ${v.n} ${v.ms.toFixed(2)}`).join('\n'));
  for (const k of p.kernels.filter(k=>k.name==='BatchMatMul')) console.log(k.inputShapes, k.kernelTimeMs.toFixed(2));
}, 3000);
