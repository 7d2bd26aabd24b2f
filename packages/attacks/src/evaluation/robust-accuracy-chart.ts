import type { RobustAccuracyResult } from './robust-accuracy';

/** Options of {@link robustAccuracyChart}. */
export interface RobustAccuracyChartOptions {
  /** Chart title. Default "Robust accuracy of <attack>". */
  title?: string;
  /** Label of the ε axis. Default "ε". */
  epsilonLabel?: string;
  width?: number;
  height?: number;
}

/**
 * A Vega-Lite (v5) specification of the robust-accuracy curve, as plain JSON data: render it with
 * vega-lite + vega (SVG/PNG) or any Vega-Lite viewer. One or more results (e.g. several attacks) become
 * one line each; the library itself depends on no renderer.
 *
 * @example
 * const spec = robustAccuracyChart([pgd, fgsm]);
 * const svg = await new vega.View(vega.parse(vegaLite.compile(spec).spec)).toSVG();
 */
export function robustAccuracyChart(
  results: RobustAccuracyResult | RobustAccuracyResult[],
  options: RobustAccuracyChartOptions = {},
): Record<string, unknown> {
  const list = Array.isArray(results) ? results : [results];
  const values = list.flatMap((r) =>
    r.epsilons.map((epsilon, k) => ({
      attack: r.state.attack,
      epsilon,
      robustAccuracy: r.robustAccuracy[k],
      samples: r.samples,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? `Robust accuracy of ${[...new Set(list.map((r) => r.state.attack))].join(', ')}`,
    width: options.width ?? 400,
    height: options.height ?? 250,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epsilon', type: 'quantitative', title: options.epsilonLabel ?? 'ε' },
      y: { field: 'robustAccuracy', type: 'quantitative', title: 'robust accuracy', scale: { domain: [0, 1] } },
      color: { field: 'attack', type: 'nominal', title: 'attack' },
      tooltip: [
        { field: 'attack', type: 'nominal' },
        { field: 'epsilon', type: 'quantitative' },
        { field: 'robustAccuracy', type: 'quantitative', format: '.3f' },
        { field: 'samples', type: 'quantitative' },
      ],
    },
  };
}
