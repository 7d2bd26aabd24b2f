/**
 * Layer options are declared once and checked through @lipnet/core (issue 14): a mistyped
 * key used to be ignored by every layer (tfjs-layers does not check its args).
 */
import { LipnetOptionError } from '@lipnet/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FrobeniusDense, GroupSort2, ScaledL2NormPooling2D, SpectralConv2D, SpectralDense, sequential } from '../src';

describe('layer options', () => {
  it('refuse a mistyped key with the closest valid one', () => {
    expect(() => new SpectralDense({ unit: 3 } as never)).toThrow(LipnetOptionError);
    expect(() => new SpectralDense({ units: 3, kCoefLipp: 2 } as never)).toThrow(
      /^SpectralDense: unknown option `kCoefLipp`\. Did you mean `kCoefLip`\?/,
    );
    expect(() => new SpectralConv2D({ filters: 2, kernelSize: 3, kernel_size: 3 } as never)).toThrow(
      /unknown option `kernel_size`\. Did you mean `kernelSize`\?/,
    );
    expect(() => new ScaledL2NormPooling2D({ pool_size: 2 } as never)).toThrow(/Did you mean `poolSize`\?/);
    expect(() => sequential({ layers: [], kcoeflip: 2 } as never)).toThrow(/Did you mean `kCoefLip`\?/);
  });

  it('refuse non-booleans where a boolean is expected', () => {
    expect(() => new FrobeniusDense({ units: 2, disjointNeurons: 'yes' } as never)).toThrow(
      "FrobeniusDense: expected `disjointNeurons` to be a boolean, got 'yes'. Pass true or false.",
    );
    expect(() => new SpectralDense({ units: 2, useBias: 1 } as never)).toThrow(/`useBias` to be a boolean/);
  });

  it("accept tfjs-layers' own arguments and survive a JSON round trip", () => {
    const model = sequential({
      layers: [
        new SpectralDense({ units: 4, inputShape: [3], name: 'sd', trainable: true, deelLipVersion: '1.2' }),
        new GroupSort2(),
        new FrobeniusDense({ units: 2 }),
      ],
    });
    const json = JSON.stringify(model.toJSON(null, false));
    const back = (tfl.models.modelFromJSON as (j: unknown) => Promise<tfl.LayersModel>)(JSON.parse(json));
    return expect(back.then((m) => m.layers.map((l) => l.getClassName()))).resolves.toEqual([
      'SpectralDense',
      'GroupSort2',
      'FrobeniusDense',
    ]);
  });
});
