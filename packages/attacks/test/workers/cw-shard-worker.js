// Worker thread of cw-batch-loss.test.ts: C&W (built @lipnet/attacks, cpu backend) on one shard
// of a linear model's batch, abort-early on the whole batch's loss (sharedBatchLoss) or, with
// `own`, on the shard's own loss. Posts the raw result, the success flags and the checks made.
const { parentPort, workerData: d } = require('worker_threads');
const tf = require(d.paths.core);
require(d.paths.cpu);
const { L2CarliniWagnerAttack, sharedBatchLoss } = require(d.paths.attacks);

async function main() {
  await tf.setBackend('cpu');
  Object.assign(tf.backend(), { firstUse: false });
  const W = tf.tensor2d(d.W);
  const b = tf.tensor1d(d.b);
  const model = (x) => tf.add(tf.matMul(x, W), b);
  const x = tf.tensor2d(d.x);
  const shared = d.own ? null : sharedBatchLoss(d.buffer, d.shard, d.shards);
  const checks = [];
  const batchLoss = (own, check) => {
    const whole = shared ? shared(own, check) : own;
    checks.push([check.binarySearchStep, check.step, own, whole]);
    return whole;
  };
  const r = await new L2CarliniWagnerAttack(d.attack).run(model, x, d.labels, { batchLoss });
  parentPort.postMessage({ raw: Array.from(r.raw.dataSync()), success: Array.from(r.success.dataSync()), checks });
}

main().catch((e) => parentPort.postMessage({ error: String(e && e.message) }));
