/**
 * Certified robust accuracy against ε on the test set: proven (solid) and
 * nominal (dashed), the Vega-Lite spec of @lipnet/certificates'
 * `robustAccuracySpec` with demo4's figure font and config, and a rule at the
 * notebook's ε = 36/255.
 */
import { robustAccuracySpec, type RobustAccuracyCurve } from '@lipnet/certificates';
import { figureSpec } from './render';

/** The figure of `curve`; `subtitle` names the run. */
export function robustAccuracyFigureSpec(curve: RobustAccuracyCurve, subtitle = ''): ReturnType<typeof figureSpec> {
  const spec = robustAccuracySpec(curve, {
    provenLabel: 'proven (lipschitzUpperBound)',
    nominalLabel: 'nominal (top1 − top2)/2',
    markers: [{ epsilon: 36 / 255, label: '36/255' }],
    width: 460,
    height: 300,
  });
  return figureSpec({
    ...spec,
    title: {
      text: `Certified robust accuracy on the ${curve.samples} test images`,
      subtitle: subtitle || undefined,
    },
  });
}
