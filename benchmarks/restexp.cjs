const tf = require('@tensorflow/tfjs-core');
const tfl = require('@tensorflow/tfjs-layers');
const { selectBackend, BatchObjective } = require('@lipnet/backend');
const { MulticlassHKR, MulticlassKR } = require('@lipnet/losses');
const now = () => Number(process.hrtime.bigint()) / 1e6;
async function timeProf(name, run) {
  for (let i = 0; i < 5; i++) run();
  const ts = []; for (let i = 0; i < 30; i++) { const t0 = now(); run(); ts.push(now() - t0); } ts.sort((a, b) => a - b);
  const p = await tf.profile(() => run()); const by = {};
  for (const k of p.kernels) by[k.name] = (by[k.name] || 0) + 1;
  console.log(name, 'median', ts[15].toFixed(2), 'min', ts[0].toFixed(2), 'kernels', p.kernels.length, JSON.stringify(by));
}
(async () => {
  await selectBackend({ prefer: 'tensorflow', log: null });
  const loss = MulticlassHKR({ alpha: 100, minMargin: 0.25, deelLipVersion: '1.2', validate: false });
  const metrics = [tfl.metrics.categoricalAccuracy, MulticlassKR({ deelLipVersion: '1.2', validate: false })];
  const y = tf.oneHot(tf.randomUniform([4096], 0, 10, 'int32'), 10).toFloat();
  const p = tf.randomNormal([4096, 10]);
  await timeProf('loss only grad', () => tf.tidy(() => { tf.grad((q) => tf.mean(loss(y, q)))(p).dataSync(); }));
  await timeProf('loss+metrics grad', () => tf.tidy(() => { const o = new BatchObjective(y, loss, metrics); tf.grad((q) => o.lossOf(q))(p).dataSync(); o.dispose(); }));
  const shapes = [[3,3,1,16],[16],[3,3,16,32],[32],[1568,64],[64],[64,10]];
  const vars = shapes.map((s) => tf.variable(tf.randomNormal(s)));
  const opt = tf.train.adam(1e-4);
  const grads = {}; vars.forEach((v) => { grads[v.name] = tf.randomNormal(v.shape); });
  await timeProf('adam', () => { opt.applyGradients(grads); vars[0].dataSync(); });
})();
