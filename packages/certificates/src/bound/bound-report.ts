/** One row of the per-node table of `lipschitzUpperBound`: one call of a layer. */
export interface LayerBound {
  /** Layer name in the model. */
  name: string;
  /** Layer className (for a Condensable layer: its own, e.g. 'SpectralDense'). */
  className: string;
  /** Shape of the (first) input the bound was computed on (batch 1). */
  inputShape: number[];
  /**
   * Certified upper bound of the layer's L2 Lipschitz constant; for a merge (several inputs) its
   * constant as a map of the concatenated inputs (√Σc_i² for a weighted sum, 1 for a concatenation).
   */
  bound: number;
  /**
   * Power-iteration value on the layer's exact operator (a lower estimate of its
   * norm for linear layers; equal to `bound` where the bound is exact).
   */
  estimate: number;
  /** How the bound was obtained. */
  method: string;
  /** className of `vanillaExport()` when the layer is Condensable. */
  exportedAs?: string;
  /** The layers whose outputs feed this call (InputLayer names for the model's inputs). */
  inputs: string[];
  /** Certified bound of this call's output as a function of the model's input(s). */
  outputBound: number;
}

/** Per-logit and logit-difference bounds of an output computed by a linear Dense (W: [in, C]) after a body with bound B. */
export interface HeadBounds {
  /** `‖W[:, i]‖·B`: bounds logit f_i. */
  perHead: number[];
  /** `‖W[:, i] − W[:, j]‖·B`: bounds f_i − f_j. */
  pairwise: number[][];
  /** B, the bound of the Dense layer's input. */
  bodyBound: number;
}

/** The bound of one output of the model. */
export interface OutputBound {
  /** Name of the layer that produces it. */
  name: string;
  /** Certified bound of this output as a function of the model's input(s). */
  upperBound: number;
  /** The same propagation with the per-layer estimates. */
  estimate: number;
  /** Per-logit and pairwise bounds, when this output is a linear Dense's. */
  heads?: HeadBounds;
}

/** Result of `lipschitzUpperBound`. */
export interface LipschitzUpperBound {
  /**
   * Certified upper bound of the model's L2 Lipschitz constant (of the concatenation of its outputs
   * as a function of the concatenation of its inputs; for a chain, the product of the per-layer bounds).
   */
  upperBound: number;
  /** The same propagation with the per-layer `estimate`s (what an uncertified power iteration would report). */
  estimate: number;
  /** Per-call table, in an order where every call comes after its inputs. */
  layers: LayerBound[];
  /** For a single-output model ending with a linear Dense: the per-head and pairwise bounds ({@link HeadBounds}); feed them to `certificatesFromBound`. */
  heads?: HeadBounds;
  /** One entry per model output. */
  outputs: OutputBound[];
  /** A readable table. */
  toString(): string;
}

/** {@link HeadBounds} of a linear Dense kernel (row-major [rows, cols]) after a body with bound `body`. */
export function headBounds(kernel: { data: Float32Array; rows: number; cols: number }, body: number): HeadBounds {
  const { data, rows, cols } = kernel;
  const col = (i: number, j: number) => {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const v = data[r * cols + i]! - (j >= 0 ? data[r * cols + j]! : 0);
      s += v * v;
    }
    return Math.sqrt(s) * (1 + 1e-12);
  };
  return {
    perHead: Array.from({ length: cols }, (_, i) => col(i, -1) * body),
    pairwise: Array.from({ length: cols }, (_, i) =>
      Array.from({ length: cols }, (_, j) => (i === j ? 0 : col(i, j) * body)),
    ),
    bodyBound: body,
  };
}

/** The readable table of a bound report. */
export function boundTable(r: Omit<LipschitzUpperBound, 'toString'>): string {
  const lines = r.layers.map(
    (l) =>
      `${l.name.padEnd(28)} ${l.className.padEnd(28)} [${l.inputShape.slice(1).join('×')}]`.padEnd(80) +
      ` bound ${l.bound.toFixed(6)}  estimate ${l.estimate.toFixed(6)}  ${l.method}` +
      (l.inputs.length > 1 ? `  (inputs ${l.inputs.join(', ')}; output bound ${l.outputBound.toFixed(6)})` : ''),
  );
  lines.push(`Lipschitz upper bound: ${r.upperBound.toFixed(6)}; with the estimates ${r.estimate.toFixed(6)}`);
  if (r.outputs.length > 1) {
    for (const o of r.outputs) lines.push(`  output ${o.name}: ${o.upperBound.toFixed(6)}`);
  }
  if (r.heads)
    lines.push(
      `per-head bounds: [${r.heads.perHead.map((v) => v.toFixed(4)).join(', ')}]; max pairwise ${Math.max(...r.heads.pairwise.flat()).toFixed(4)} (√2·global would be ${(Math.SQRT2 * r.upperBound).toFixed(4)})`,
    );
  return lines.join('\n');
}
