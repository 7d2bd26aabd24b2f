/** The "train in your browser" panel: settings, live loss/accuracy charts, then hand-over of the certified model. */
import { vanillaExport } from '@lipnet/layers';
import type { PackedImages } from '../data/packed-images';
import { certifyModel, type ModelUnderTest } from '../model/model-under-test';
import { ARCHITECTURES, browserLoss, buildBrowserModel, type Architecture } from '../train/browser-model';
import { trainLive, type EpochLog, type StepLog } from '../train/train-loop';
import { byId, fmt } from './dom';
import { renderChart } from './line-chart';

function num(id: string): number {
  return Number(byId(id, HTMLInputElement).value);
}

/** Wires the training controls; `onTrained` receives the certified, vanilla-exported model. */
export class TrainPanel {
  private controller: AbortController | null = null;

  constructor(
    /** The test images, and the training images (fetched on the first Train). */
    private readonly data: { train: () => Promise<PackedImages>; test: PackedImages },
    private readonly busy: (on: boolean) => void,
    private readonly onTrained: (m: ModelUnderTest) => void,
  ) {
    byId('train', HTMLButtonElement).addEventListener('click', () => void this.run());
    byId('train-stop', HTMLButtonElement).addEventListener('click', () => this.controller?.abort());
  }

  private setRunning(on: boolean): void {
    byId('train', HTMLButtonElement).disabled = on;
    byId('train-stop', HTMLButtonElement).disabled = !on;
    this.busy(on);
  }

  private async run(): Promise<void> {
    const arch = byId('train-arch', HTMLSelectElement).value as Architecture;
    const settings = {
      epochs: num('train-epochs'),
      batchSize: num('train-batch'),
      learningRate: num('train-lr'),
      seed: 1,
    };
    const status = byId('train-status');
    const progress = byId('train-progress', HTMLProgressElement);
    const steps: StepLog[] = [];
    const epochs: EpochLog[] = [];
    this.controller = new AbortController();
    this.setRunning(true);
    status.dataset.state = 'training';
    let model: ReturnType<typeof buildBrowserModel> | null = null;
    try {
      status.textContent = 'Loading the training images…';
      const train = await this.data.train();
      const perEpoch = Math.ceil(train.n / settings.batchSize);
      model = buildBrowserModel(arch);
      status.textContent = `Training ${ARCHITECTURES[arch]}…`;
      const summary = await trainLive(model, browserLoss(), train, this.data.test, settings, {
        signal: this.controller.signal,
        onStep: (s) => {
          steps.push(s);
          progress.value = s.globalStep / (perEpoch * settings.epochs);
          status.dataset.stepLosses = JSON.stringify(steps.map((x) => x.loss));
          status.textContent = `Epoch ${s.epoch + 1}/${settings.epochs}, step ${s.step + 1}/${perEpoch}: loss ${fmt(s.loss, 4)}, batch accuracy ${(s.accuracy * 100).toFixed(0)} % — ${fmt(s.imagesPerSecond, 3)} images/s`;
          if (s.globalStep % 4 === 1 || s.step + 1 === perEpoch) this.charts(steps, epochs, perEpoch);
        },
        onEpoch: (e) => epochs.push(e),
      });
      // Tensors alive after the last step minus after the first: 0 unless the loop leaks.
      status.dataset.tensorGrowth = String(summary.tensorGrowth);
      this.charts(steps, epochs, perEpoch);
      status.dataset.imagesPerSecond = String(summary.imagesPerSecond);
      if (summary.steps === 0) {
        status.textContent = 'Stopped before the first step.';
        return;
      }
      status.textContent = 'Exporting and proving the Lipschitz bound of the trained network…';
      const plain = vanillaExport(model);
      const certified = await certifyModel('trained here', plain, this.data.test);
      const last = epochs[epochs.length - 1];
      status.textContent =
        `${summary.stopped ? 'Stopped' : 'Done'} after ${summary.steps} steps (${fmt(summary.imagesPerSecond, 3)} images/s)` +
        (last ? `: test accuracy ${(last.valAccuracy * 100).toFixed(1)} %` : '') +
        `, proven Lipschitz bound ${fmt(certified.bound.upperBound, 6)}. It is now the active model: certify and attack it above.`;
      status.dataset.state = 'done';
      this.onTrained(certified);
    } catch (e) {
      status.textContent = `Training failed: ${(e as Error).message}`;
      status.dataset.state = 'error';
      console.error(e);
    } finally {
      model?.dispose();
      this.controller = null;
      this.setRunning(false);
    }
  }

  private charts(steps: StepLog[], epochs: EpochLog[], perEpoch: number): void {
    const x = (s: StepLog) => s.globalStep / perEpoch;
    renderChart(byId('train-loss-chart'), {
      title: 'Training loss (MulticlassHKR)',
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [{ label: 'batch loss', color: '#0b57d0', points: steps.map((s) => [x(s), s.loss]) }],
    });
    renderChart(byId('train-acc-chart'), {
      title: 'Accuracy',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      y: [0, 1],
      yFormat: (v) => `${Math.round(v * 100)} %`,
      legend: 'bottom-right',
      series: [
        { label: 'batch (train)', color: '#0b57d0', points: steps.map((s) => [x(s), s.accuracy]) },
        { label: 'test, end of epoch', color: '#c2410c', points: epochs.map((e) => [e.epoch + 1, e.valAccuracy]) },
      ],
    });
  }
}
