import type { RobustAccuracyCurve } from './robust-accuracy-curve';

/** Options of {@link robustAccuracySpec}. */
export interface RobustAccuracySpecOptions {
  /** Figure title. Default 'Certified robust accuracy'. */
  title?: string;
  /** Plot size in pixels. Defaults 420 × 280. */
  width?: number;
  height?: number;
  /** Series names. Defaults 'proven (lipschitzUpperBound)' and 'nominal'. */
  provenLabel?: string;
  nominalLabel?: string;
  /** Vertical rules at these ε, labelled with their value or the label given (e.g. `[{epsilon: 36/255, label: '36/255'}]`). Default none. */
  markers?: (number | { epsilon: number; label: string })[];
}

/**
 * A Vega-Lite v5 specification (plain JSON, no renderer needed here) of certified robust accuracy
 * against ε: the proven curve solid, the nominal one dashed when present, as steps drawn at the value
 * of the larger radius between two radii (the accuracy is non-increasing in ε, so the drawing never
 * shows more than is certified). Render it with `vega-lite` + `vega` (Node: `view.toSVG()`) or `vega-embed`
 * in a page; override `config` to restyle.
 *
 * @example
 * const spec = robustAccuracySpec(certifiedRobustAccuracy(logits, labels, { bound }), { markers: [36 / 255] });
 * fs.writeFileSync('robust-accuracy.vl.json', JSON.stringify(spec));
 */
export function robustAccuracySpec(
  curve: RobustAccuracyCurve,
  options: RobustAccuracySpecOptions = {},
): Record<string, unknown> {
  const proven = options.provenLabel ?? 'proven (lipschitzUpperBound)';
  const nominal = options.nominalLabel ?? 'nominal';
  const rows = curve.epsilons.flatMap((e, i) => [
    { epsilon: e, accuracy: curve.proven[i]!, series: proven },
    ...(curve.nominal ? [{ epsilon: e, accuracy: curve.nominal[i]!, series: nominal }] : []),
  ]);
  const names = curve.nominal ? [proven, nominal] : [proven];
  const layers: Record<string, unknown>[] = [
    {
      // step-before: between two radii the curve is drawn at the lower (right-hand) value, never above the truth
      mark: { type: 'line', interpolate: 'step-before', strokeWidth: 2, point: curve.epsilons.length <= 40 },
      encoding: {
        x: {
          field: 'epsilon',
          type: 'quantitative',
          title: 'ε (L2 radius)',
          scale: { domain: [0, curve.epsilons[curve.epsilons.length - 1]!], nice: false },
        },
        y: { field: 'accuracy', type: 'quantitative', title: 'certified robust accuracy', scale: { domain: [0, 1] } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: names },
          legend: { labelLimit: 400, symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400 },
        },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: {
            domain: names,
            range: [
              [1, 0],
              [6, 4],
            ],
          },
        },
        tooltip: [
          { field: 'series', title: 'certificates' },
          { field: 'epsilon', title: 'ε', format: '.4f' },
          { field: 'accuracy', title: 'accuracy', format: '.4f' },
        ],
      },
    },
  ];
  if (options.markers?.length) {
    const values = options.markers.map((m) =>
      typeof m === 'number'
        ? { epsilon: m, label: `ε = ${m.toFixed(4)}` }
        : { epsilon: m.epsilon, label: `ε = ${m.label}` },
    );
    layers.push(
      {
        data: { values },
        mark: { type: 'rule', strokeDash: [2, 3], color: '#555' },
        encoding: { x: { field: 'epsilon', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'text', align: 'left', dx: 3, y: 8, color: '#333', fontSize: 11 },
        encoding: { x: { field: 'epsilon', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? 'Certified robust accuracy',
    width: options.width ?? 420,
    height: options.height ?? 280,
    data: { values: rows },
    layer: layers,
  };
}
