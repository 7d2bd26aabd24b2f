import * as tfl from '@tensorflow/tfjs-layers';
import { LipnetInputError, LipnetOptionError, closestMatch, formatValue } from '@lipnet/core';
import type { LipschitzLoss } from '../loss-function';

/**
 * The @lipnet loss a model was compiled with, checked to have the schedulable parameter
 * `paramName`; `owner` names the calling callback in the error messages.
 */
export function modelLossWithParam(
  owner: string,
  model: tfl.LayersModel | undefined,
  paramName: string,
): LipschitzLoss {
  const loss = (model as unknown as { loss?: unknown } | undefined)?.loss;
  const lip = loss as Partial<LipschitzLoss> | undefined;
  if (typeof loss !== 'function' || !Array.isArray(lip?.paramNames)) {
    throw new LipnetInputError({
      code: 'INVALID_ARGUMENT',
      who: owner,
      option: 'model',
      message:
        `the model was not compiled with a single @lipnet loss (got ${Array.isArray(loss) ? 'an array' : formatValue(loss)}). ` +
        'Compile with e.g. {loss: HKR({alpha: 10})} before fitting.',
    });
  }
  if (!lip.paramNames.includes(paramName)) {
    const guess = closestMatch(paramName, lip.paramNames);
    throw new LipnetOptionError({
      code: 'INVALID_OPTION',
      who: owner,
      option: 'paramName',
      message:
        `the loss ${lip.className} has no schedulable parameter '${paramName}'.${guess ? ` Did you mean '${guess}'?` : ''} ` +
        (lip.paramNames.length ? `Pass one of ${lip.paramNames.map((n) => `'${n}'`).join(', ')}.` : 'It has none.'),
    });
  }
  return loss as LipschitzLoss;
}
