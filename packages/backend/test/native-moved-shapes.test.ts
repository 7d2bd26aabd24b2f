/**
 * Tensors reshaped on another backend and then used on 'tensorflow' (tfjs-core's moveData hands
 * tfjs-node the shape the data was first registered with): with the fix `selectBackend` installs,
 * each op sees the tfjs tensor's own shape, and the temporary views are freed. Needs the native
 * build; elsewhere only the refusal of a backend that is not tfjs-node is checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { installMovedShapeFix, movedShapeFixStats, selectBackend } from '../src';

function addonBuilt(): boolean {
  try {
    const lib = path.join(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'lib');
    return fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

test('a backend without tfjs-node internals is left alone', async () => {
  await tf.setBackend('cpu');
  expect(installMovedShapeFix(tf.backend())).toBe(false);
  expect(installMovedShapeFix(null)).toBe(false);
});

(addonBuilt() ? test : test.skip)(
  "on 'tensorflow': cpu-made reshapes keep their shape and values, conv2d with one as its kernel equals cpu, views freed",
  async () => {
    await selectBackend({ prefer: 'tensorflow', log: null });
    const native = tf.backend();
    await tf.setBackend('cpu');
    const flat = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const image = tf.reshape(flat, [1, 2, 2, 1]);
    const kernel = tf.reshape(
      tf.tensor2d(
        Array.from({ length: 9 * 3 }, (_, i) => Math.sin(i)),
        [9, 3],
      ),
      [3, 3, 1, 3],
    ) as tf.Tensor4D;
    const x = tf.tensor4d(
      Array.from({ length: 25 }, (_, i) => i / 25),
      [1, 5, 5, 1],
    );
    const onCpu = tf.conv2d(x, kernel, 1, 'same').dataSync();
    await tf.setBackend('tensorflow');
    const before = { ...movedShapeFixStats(native)! };
    try {
      const sum = tf.add(image, 0);
      expect(sum.shape).toEqual([1, 2, 2, 1]);
      expect(Array.from(sum.dataSync())).toEqual([1, 2, 3, 4]);
      const y = tf.conv2d(x, kernel, 1, 'same');
      expect(y.shape).toEqual([1, 5, 5, 3]);
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(onCpu[i]!, 5));
      expect(Array.from(tf.add(flat, 0).dataSync())).toEqual([1, 2, 3, 4]); // the 2-D original too
      const after = movedShapeFixStats(native)!;
      expect(after.views - before.views).toBeGreaterThanOrEqual(2); // the image and the kernel
      expect(after.freed - before.freed).toBe(after.views - before.views);
      tf.dispose([sum, y]);
    } finally {
      tf.dispose([flat, image, kernel, x]);
    }
  },
  60_000,
);
