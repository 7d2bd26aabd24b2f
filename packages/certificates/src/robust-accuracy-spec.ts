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
  /** Vertical rules at these ε (e.g. [36/255]), labelled with their value. Default none. */
  markers?: number[];
}

/**
 * A Vega-Lite v5 specification (plain JSON, no renderer needed here) of certified robust accuracy
 * against ε: the proven curve solid, the nominal one dashed when present, as step lines (the accuracy
 * is piecewise constant in ε). Render it with `vega-lite` + `vega` (Node: `view.toSVG()`) or `vega-embed`
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
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, point: curve.epsilons.length <= 40 },
      encoding: {
        x: { field: 'epsilon', type: 'quantitative', title: 'ε (L2 radius)' },
        y: { field: 'accuracy', type: 'quantitative', title: 'certified robust accuracy', scale: { domain: [0, 1] } },
        color: { field: 'series', type: 'nominal', title: null, scale: { domain: names } },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          legend: null,
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
    const values = options.markers.map((m) => ({ epsilon: m, label: `ε = ${m.toFixed(4)}` }));
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
