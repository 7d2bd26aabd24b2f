/** The ε slider and the certified-robust-accuracy curve of every certified model. */
import { certifiedAccuracy, type ModelUnderTest } from '../model/model-under-test';
import { byId, fmt } from './dom';
import { renderChart } from './line-chart';

const COLORS = ['#0b57d0', '#c2410c', '#0a6b2d'];
const MAX_EPS = 1.5;

/** Renders the panel for `models` (the active one first in the readout). */
export function renderRobustAccuracy(models: ModelUnderTest[], active: ModelUnderTest): void {
  const eps = Number(byId('epsilon', HTMLInputElement).value);
  byId('epsilon-value', HTMLOutputElement).value = eps.toFixed(2);
  const n = active.radii.length;
  const cra = certifiedAccuracy(active, eps);
  const clean = certifiedAccuracy(active, -1);
  const readout = byId('cra-readout');
  readout.textContent =
    `${active.name}: ${(cra * 100).toFixed(1)} % of the ${n} test images are correctly classified AND proven robust to every L2 perturbation of norm ≤ ${eps.toFixed(2)} ` +
    `(clean accuracy ${(clean * 100).toFixed(1)} %).`;
  readout.dataset.cra = String(cra);
  const grid = Array.from({ length: Math.round(MAX_EPS / 0.01) + 1 }, (_, i) => i * 0.01);
  renderChart(byId('cra-chart'), {
    title: 'Certified robust accuracy vs ε',
    xLabel: 'ε (L2 radius; 36/255 ≈ 0.14)',
    yLabel: 'certified accuracy',
    x: [0, MAX_EPS],
    y: [0, 1],
    yFormat: (v) => `${Math.round(v * 100)} %`,
    series: models.map((m, k) => ({
      label: m.name,
      color: COLORS[k % COLORS.length]!,
      points: grid.map((e) => [e, certifiedAccuracy(m, e)] as [number, number]),
    })),
    marker: { x: eps, label: `ε = ${fmt(eps, 3)}: ${(cra * 100).toFixed(1)} %` },
  });
}
