const tf = require('@tensorflow/tfjs-core');
const B = require('@lipnet/backend');
const now = () => performance.now();
(async () => {
  await B.selectBackend({ prefer: 'tensorflow', log: null });
  const N = 4096;
  const x = tf.randomNormal([N, 14, 14, 16]); const w = tf.randomNormal([3, 3, 16, 32]); const dy = tf.randomNormal([N, 14, 14, 32]);
  const t = (name, f, flops) => { for (let i = 0; i < 2; i++) tf.tidy(() => { tf.sum(f()).dataSync(); }); const v = []; for (let i = 0; i < 6; i++) { const t0 = now(); tf.tidy(() => { tf.sum(f()).dataSync(); }); v.push(now() - t0); } v.sort((a, b) => a - b); console.log(name, 'min', v[0].toFixed(1), 'ms', (flops / v[0] / 1e6).toFixed(0), 'GFLOP/s'); };
  const F = 2 * N * 14 * 14 * 32 * 9 * 16;
  t('conv2 fwd', () => tf.conv2d(x, w, 1, 'same'), F);
  t('conv2 dx', () => tf.conv2dTranspose(dy, w, [N, 14, 14, 16], 1, 'same'), F);
  t('conv2 dw', () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 16, 32] }), F);
  // im2col + matmul comparisons
  const a = tf.randomNormal([N * 196, 144]); const b = tf.randomNormal([144, 32]);
  t('gemm [N*196,144]x[144,32]', () => tf.matMul(a, b), F);
  const g = tf.randomNormal([N * 196, 32]);
  t('gemm dw [144,N*196]x[N*196,32]', () => tf.matMul(a, g, true, false), F);
  t('gemm dx [N*196,32]x[32,144]', () => tf.matMul(g, b, false, true), F);
  const m1 = tf.randomNormal([2048, 2048]);
  t('gemm 2048', () => tf.matMul(m1, m1), 2 * 2048 ** 3);
})();
