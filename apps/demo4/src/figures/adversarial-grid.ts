/**
 * The notebook's `adversarial_viz`: one row per certified image — the image,
 * its Carlini-Wagner adversarial and the difference map (red: intensity
 * removed, green: added) — with, per row, the classes and the comparison
 * "certificate 0.41 < CW distance 1.23". An attack that found nothing reads
 * "no adversarial found", never "Infinity".
 */
import { differenceMap, imageDataUrl } from './image-png';
import { figureSpec } from './render';

/** One row of the grid. Images are side×side grey values in [0, 1]. */
export interface GridSample {
  image: Float32Array;
  adv: Float32Array;
  origClass: string;
  advClass: string;
  /** Index in the test set. */
  testIndex: number;
  certificate: number;
  /** L2 distance of the adversarial found (Infinity: none found). */
  distance: number;
}

/** Column titles. */
export const GRID_COLUMNS = ['image', 'adversarial', 'difference'] as const;

/** The per-row comparison, e.g. "certificate 0.41 < CW distance 1.23 (×3.0)". */
export function comparisonLabel(certificate: number, distance: number): string {
  const c = `certificate ${certificate.toFixed(2)}`;
  if (!Number.isFinite(distance)) return `${c}; the attack found no adversarial`;
  const ok = certificate < distance;
  return `${c} ${ok ? '<' : '≥'} CW distance ${distance.toFixed(2)}${ok ? ` (×${(distance / certificate).toFixed(1)})` : ' — VIOLATED'}`;
}

/** The Vega-Lite specification of the grid (image marks with PNG data URLs). */
export function adversarialGridSpec(samples: GridSample[], side = 28): ReturnType<typeof figureSpec> {
  const px = side * 3;
  const rowName = (s: GridSample, i: number) => `${i + 1}. ${s.origClass} (test #${s.testIndex})`;
  const cells = samples.flatMap((s, i) => [
    { row: rowName(s, i), col: GRID_COLUMNS[0], url: imageDataUrl(s.image, side, 1, 3) },
    { row: rowName(s, i), col: GRID_COLUMNS[1], url: imageDataUrl(s.adv, side, 1, 3) },
    { row: rowName(s, i), col: GRID_COLUMNS[2], url: imageDataUrl(differenceMap(s.image, s.adv), side, 3, 3) },
  ]);
  const labels = samples.map((s, i) => ({
    row: rowName(s, i),
    classes: s.advClass === s.origClass ? `still ${s.advClass}` : `${s.origClass} → ${s.advClass}`,
    comparison: comparisonLabel(s.certificate, s.distance),
    violated: Number.isFinite(s.distance) && s.certificate >= s.distance,
  }));
  const rows = samples.map(rowName);
  const y = { field: 'row', type: 'ordinal', scale: { domain: rows, paddingInner: 0.12 }, title: null };
  const height = rows.length * (px + 14);
  return figureSpec({
    title: {
      text: 'Certificates against Carlini-Wagner adversarial examples',
      subtitle: [
        'one correctly classified test image per class; adversarial: L2 Carlini-Wagner (foolbox)',
        'difference map: red = intensity removed, green = intensity added (scaled to its maximum)',
      ],
    },
    spacing: 8,
    hconcat: [
      {
        width: 3 * (px + 16),
        height,
        view: { stroke: null },
        data: { values: cells },
        mark: { type: 'image', width: px, height: px, smooth: false },
        encoding: {
          x: {
            field: 'col',
            type: 'ordinal',
            scale: { domain: GRID_COLUMNS },
            title: null,
            axis: { orient: 'top', labelAngle: 0, domain: false, ticks: false, labelFontSize: 12 },
          },
          y: { ...y, axis: { domain: false, ticks: false, labelFontSize: 12, labelLimit: 320 } },
          url: { field: 'url', type: 'nominal' },
        },
      },
      {
        width: 360,
        height,
        view: { stroke: null },
        data: { values: labels },
        layer: [
          {
            mark: { type: 'text', align: 'left', x: 0, dy: -9, fontSize: 13, fontWeight: 'bold' },
            encoding: { y: { ...y, axis: null }, text: { field: 'classes' } },
          },
          {
            mark: { type: 'text', align: 'left', x: 0, dy: 9, fontSize: 13 },
            encoding: {
              y: { ...y, axis: null },
              text: { field: 'comparison' },
              color: {
                field: 'violated',
                type: 'nominal',
                scale: { domain: [false, true], range: ['#222', '#c00'] },
                legend: null,
              },
            },
          },
        ],
      },
    ],
    resolve: { scale: { y: 'shared' } },
  });
}
