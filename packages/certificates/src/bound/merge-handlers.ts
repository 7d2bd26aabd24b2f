import { registerLipschitzBoundHandler, unsupported, type LayerBoundHandler } from './handler-registry';

/** Add: ‖Σ Δx_i‖ ≤ Σ ‖Δx_i‖ (triangle inequality). */
const addHandler: LayerBoundHandler = () => ({ merge: 'sum', method: 'Add: Σ L_i (triangle inequality)' });

/** Average: (1/m)·Σ. */
const averageHandler: LayerBoundHandler = (_layer, _shape, shapes) => ({
  merge: 'sum',
  weights: shapes.map(() => 1 / shapes.length),
  method: `Average: Σ L_i / ${shapes.length}`,
});

/** Subtract: ‖Δa − Δb‖ ≤ ‖Δa‖ + ‖Δb‖. */
const subtractHandler: LayerBoundHandler = () => ({ merge: 'sum', method: 'Subtract: L_a + L_b' });

/** Concatenate: ‖Δy‖² = Σ ‖Δx_i‖². */
const concatenateHandler: LayerBoundHandler = () => ({ merge: 'l2', method: 'Concatenate: √(Σ L_i²)' });

/** Element-wise max/min: |max(a, b) − max(a′, b′)| ≤ max(|Δa|, |Δb|), so ‖Δy‖² ≤ Σ ‖Δx_i‖². */
const extremumHandler: LayerBoundHandler = (layer) => ({
  merge: 'l2',
  method: `${layer.getClassName()} (element-wise): √(Σ L_i²)`,
});

/** LipResidual z = σ(a)·x + (1 − σ(a))·y: a convex combination, σ·L_x + (1 − σ)·L_y. */
const lipResidualHandler: LayerBoundHandler = (layer) => {
  const f = (layer as unknown as { branchCoefficients?: () => [number, number] }).branchCoefficients;
  if (typeof f !== 'function') throw unsupported(layer, 'has no branchCoefficients()', 'Use the @lipnet class.');
  const [s, r] = f.call(layer);
  return {
    merge: 'sum',
    weights: [s, r],
    method: `LipResidual: ${s.toFixed(4)}·L_x + ${r.toFixed(4)}·L_y (a convex combination)`,
  };
};

registerLipschitzBoundHandler('Add', addHandler);
registerLipschitzBoundHandler('Average', averageHandler);
registerLipschitzBoundHandler('Subtract', subtractHandler);
registerLipschitzBoundHandler('Concatenate', concatenateHandler);
registerLipschitzBoundHandler('Maximum', extremumHandler);
registerLipschitzBoundHandler('Minimum', extremumHandler);
registerLipschitzBoundHandler('LipResidual', lipResidualHandler);
for (const c of ['Multiply', 'Dot']) {
  registerLipschitzBoundHandler(c, (layer) => {
    throw unsupported(
      layer,
      'multiplies its inputs, a bilinear map that is Lipschitz only on bounded inputs',
      'Use Add, Average or Concatenate, or register a handler with a bound valid on your input domain.',
    );
  });
}
