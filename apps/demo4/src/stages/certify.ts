/**
 * Stage `certify`: the notebook's selection (the first correctly classified
 * test image of each class among the first 300) and each image's certificate
 * `(top1 − top2) / 2` under the exported model.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES } from '../data/fashion-mnist';
import { certifyImages, type CertificateReport } from '../robustness/certificates';
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

/** The selection and its certificates. */
export interface CertifyOutput extends CertificateReport {
  selection: Selection;
  /** Class names of the selected images. */
  classNames: string[];
}

/** Prints the selection and the certificates as the notebook does. */
function logCertify(o: CertifyOutput, log: (s: string) => void): void {
  const sel = o.selection;
  log(
    `${sel.correct}/${sel.pool} correctly classified; selected test images ${JSON.stringify(sel.indices)} (classes ${JSON.stringify(sel.labels)}).`,
  );
  if (sel.missingClasses.length)
    log(
      `Note: no correctly classified image of class(es) ${sel.missingClasses.join(', ')} in the first ${sel.pool}; they are left out.`,
    );
  log(`certificates = ${formatNumbers(o.certificates)}`);
}

/** certify → {@link CertifyOutput} (cheap; its record holds everything, so it is reused on resume). */
export const certifyStage: Stage<CertifyInput, CertifyOutput> = {
  name: 'certify',
  writes: false,
  key: () => ({ pool: 300 }),
  async run(i, ctx) {
    const { xTest } = i.data.dataset;
    const selection = await selectSamples(i.model, xTest, i.data.dataset.testLabels);
    const images = gatherSelection(xTest, selection);
    const report = await certifyImages(i.model, images).finally(() => images.dispose());
    const output: CertifyOutput = {
      selection,
      classNames: selection.labels.map((c) => CLASS_NAMES[c]!),
      ...report,
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
