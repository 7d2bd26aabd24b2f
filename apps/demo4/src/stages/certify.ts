/**
 * Stage `certify`: proves the exported model's Lipschitz bound
 * (`lipschitzUpperBound`, per layer and per logit head), certifies the
 * notebook's selection (the first correctly classified test image of each
 * class among the first 300) with the proven radii — the nominal
 * `(top1 − top2)/2` beside them — and measures certified robust accuracy on
 * the whole test set from 0 to 1.5, proven and nominal. It logs exactly what
 * is proven.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES } from '../data/fashion-mnist';
import { certifyImages, type CertificateReport } from '../robustness/certificates';
import { boundLike, proveBound, type ProvenBoundReport } from '../robustness/proven-bound';
import { testSetRobustAccuracy, type RobustAccuracyReport } from '../robustness/robust-accuracy';
import { gatherSelection, selectSamples, type Selection } from '../robustness/selection';
import { formatNumbers } from '../pipeline/format';
import type { Stage } from '../pipeline/stage';
import type { DataOutput } from './data';

/** Inputs of the certify stage. */
export interface CertifyInput {
  /** The exported (vanilla) model. */
  model: tfl.LayersModel;
  data: DataOutput;
}

/** The proven bound, the selection and its certificates, and the test set's certified robust accuracy. */
export interface CertifyOutput extends CertificateReport {
  selection: Selection;
  /** Class names of the selected images. */
  classNames: string[];
  bound: ProvenBoundReport;
  robustAccuracy: RobustAccuracyReport;
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** Prints what is proven, the selection, its certificates and the robust accuracy. */
function logCertify(o: CertifyOutput, log: (s: string) => void): void {
  const b = o.bound;
  log(`Proven Lipschitz bound of the exported model (${b.seconds.toFixed(1)} s):`);
  for (const l of b.layers.filter((r) => r.bound !== 1 || r.estimate !== 1))
    log(
      `  ${l.name.padEnd(20)} ${l.className.padEnd(10)} bound ${l.bound.toFixed(6)}  (estimate ${l.estimate.toFixed(6)})`,
    );
  log(`  the other layers (GroupSort, L2-norm pooling, Flatten): 1 each`);
  for (const s of b.statement) log(s);
  const sel = o.selection;
  log(
    `${sel.correct}/${sel.pool} correctly classified; selected test images ${JSON.stringify(sel.indices)} (classes ${JSON.stringify(sel.labels)}).`,
  );
  if (sel.missingClasses.length)
    log(
      `Note: no correctly classified image of class(es) ${sel.missingClasses.join(', ')} in the first ${sel.pool}; they are left out.`,
    );
  log(`certificates (proven)           = ${formatNumbers(o.certificates)}`);
  log(`certificates (nominal, (t1−t2)/2) = ${formatNumbers(o.nominalCertificates)}`);
  const r = o.robustAccuracy;
  log(
    `Certified robust accuracy on the ${r.samples} test images (clean accuracy ${pct(r.accuracy)}), proven / nominal: ` +
      r.highlights.map((h) => `ε = ${h.label}: ${pct(h.proven)} / ${pct(h.nominal)}`).join('; ') +
      ` (${r.seconds.toFixed(1)} s).`,
  );
}

/** certify → {@link CertifyOutput} (its record holds everything, so it is reused on resume). */
export const certifyStage: Stage<CertifyInput, CertifyOutput> = {
  name: 'certify',
  writes: false,
  key: () => ({ pool: 300, certificates: 'proven+nominal', robustAccuracy: 'test set, DEFAULT_EPSILONS' }),
  async run(i, ctx) {
    const { xTest, testLabels } = i.data.dataset;
    const bound = proveBound(i.model);
    const selection = await selectSamples(i.model, xTest, testLabels);
    const images = gatherSelection(xTest, selection);
    const report = await certifyImages(i.model, images, boundLike(bound)).finally(() => images.dispose());
    const robustAccuracy = testSetRobustAccuracy(i.model, xTest, testLabels, boundLike(bound));
    const output: CertifyOutput = {
      selection,
      classNames: selection.labels.map((c) => CLASS_NAMES[c]!),
      ...report,
      bound,
      robustAccuracy,
    };
    logCertify(output, ctx.log);
    return { output, files: [], summary: output };
  },
  load: (_i, record, ctx) => {
    const output = record.summary as CertifyOutput;
    logCertify(output, ctx.log);
    return Promise.resolve(output);
  },
};
