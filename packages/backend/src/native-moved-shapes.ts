/**
 * A fix for tfjs-node 4.22 with tensors that another backend made by reshaping:
 * on 'cpu' (and 'wasm') `tf.reshape` shares the data of its input (one dataId,
 * two shapes); when such a tensor is first used on 'tensorflow', tfjs-core's
 * `moveData` hands tfjs-node the values with the shape the dataId was *first*
 * registered with, and tfjs-node creates the TensorFlow tensor with that
 * shape, so every op sees the wrong shape: `tf.reshape(a2x2, [1, 2, 2, 1])`
 * made on cpu adds as `[2, 2]` on 'tensorflow', and a lipnet model built on
 * cpu (its cached kernels are reshapes of 2-D matrices) fails on 'tensorflow'
 * with "filter must be 4-dimensional: [9,16]". {@link installMovedShapeFix}
 * makes tfjs-node feed each op a TensorFlow `Reshape` of such an input to the
 * tfjs tensor's own shape (a view, deleted after the op).
 */

/** The parts of tfjs-node's backend and binding the fix uses. */
interface NodeTensorInfo {
  shape: number[];
  dtype: number;
}
interface NodeBackendInternals {
  binding: {
    TF_INT32: number;
    TF_ATTR_TYPE: number;
    createTensor(shape: number[], dtype: number, values: Int32Array): number;
    executeOp(name: string, attrs: unknown[], ids: number[], outputs: number): { id: number }[];
    deleteTensor(id: number): void;
  };
  tensorMap: { get(dataId: object): NodeTensorInfo | undefined; has(dataId: object): boolean };
  getInputTensorIds(tensors: Array<{ dataId?: object; shape?: number[] }>): number[];
  [method: string]: unknown;
}

const INSTALLED = Symbol.for('lipnet.movedShapeFix');

/** How many TensorFlow views the fix made and freed on a backend (for tests and diagnostics). */
export interface MovedShapeStats {
  views: number;
  freed: number;
}
const stats = new WeakMap<object, MovedShapeStats>();

/** The {@link MovedShapeStats} of `backend`, or undefined when the fix is not installed there. */
export function movedShapeFixStats(backend: unknown): MovedShapeStats | undefined {
  return backend && typeof backend === 'object' ? stats.get(backend) : undefined;
}

/** The tfjs-node methods that run ops on getInputTensorIds' handles; temporary views are freed after each. */
const RUNNERS = ['executeSingleOutput', 'executeMultipleOutputs', 'runSavedModel'] as const;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Installs the fix on tfjs-node's backend object `backend` (the active
 * 'tensorflow' backend). Idempotent; a backend without tfjs-node's internals
 * is left alone (returns false).
 */
export function installMovedShapeFix(backend: unknown): boolean {
  const be = backend as NodeBackendInternals & { [INSTALLED]?: true };
  if (!be || typeof be.getInputTensorIds !== 'function' || !be.binding || !be.tensorMap) return false;
  if (be[INSTALLED]) return true;
  const { binding } = be;
  const count: MovedShapeStats = { views: 0, freed: 0 };
  stats.set(be, count);
  const original = be.getInputTensorIds.bind(be);
  let views: number[] = [];
  be.getInputTensorIds = (tensors) => {
    const ids = original(tensors);
    tensors.forEach((t, i) => {
      const info = t.dataId && be.tensorMap.has(t.dataId) ? be.tensorMap.get(t.dataId) : undefined;
      if (!info || !t.shape || sameShape(info.shape, t.shape)) return;
      const shapeId = binding.createTensor([t.shape.length], binding.TF_INT32, Int32Array.from(t.shape));
      const attrs = [
        { name: 'T', type: binding.TF_ATTR_TYPE, value: info.dtype },
        { name: 'Tshape', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 },
      ];
      try {
        const view = binding.executeOp('Reshape', attrs, [ids[i]!, shapeId], 1)[0]!.id;
        views.push(view);
        count.views++;
        ids[i] = view;
      } finally {
        binding.deleteTensor(shapeId);
      }
    });
    return ids;
  };
  for (const name of RUNNERS) {
    const run = be[name];
    if (typeof run !== 'function') continue;
    be[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return (run as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        const done = views;
        views = [];
        done.forEach((id) => binding.deleteTensor(id));
        count.freed += done.length;
      }
    };
  }
  be[INSTALLED] = true;
  return true;
}
