/**
 * The page: loads the backend, the data and the shipped model, proves the
 * model's Lipschitz bound, then keeps the prediction, the certificate, the
 * attack and the robust-accuracy curve in step with the current image and the
 * active model.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@lipnet/layers'; // registers GroupSort, ScaledL2NormPooling2D… for loading the model
import { CLASS_NAMES } from './data/fashion-mnist-classes';
import { decodePackedImages, imageAsFloats, type PackedImages } from './data/packed-images';
import { autoBackend, useBackend, BACKENDS, type BackendInfo, type BackendName } from './backend/choose-backend';
import { explainCertificate, type CertificateExplained } from './model/certificate';
import { certifyModel, type ModelUnderTest } from './model/model-under-test';
import { AttackPanel } from './ui/attack-panel';
import { renderBoundTable, renderCertificate } from './ui/certificate-view';
import { byId, el } from './ui/dom';
import { DrawPad } from './ui/draw-pad';
import { Gallery } from './ui/gallery';
import { renderPrediction } from './ui/prediction-view';
import { renderRobustAccuracy } from './ui/robust-accuracy-panel';
import { TrainPanel } from './ui/train-panel';

/** Where the shipped files are, relative to the page. */
export const ASSETS = {
  model: 'model/model.json',
  test: 'data/fashion-mnist-test-500.bin',
  train: 'data/fashion-mnist-train-2000.bin',
} as const;

async function fetchPacked(url: string): Promise<PackedImages> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${url}: HTTP ${res.status}. Run \`pnpm playground:build\` again.`);
  return decodePackedImages(new Uint8Array(await res.arrayBuffer()), url);
}

function describe(b: BackendInfo): string {
  return `Backend: ${b.name} — ${b.description}`;
}

/** The running page. */
export class App {
  private models = new Map<string, ModelUnderTest>();
  /** The model in use; `active` once its bound is proven (null while proving). */
  private model: tfl.LayersModel;
  private active: ModelUnderTest | null = null;
  private source: number | null = null;
  private current: CertificateExplained | null = null;
  private lastSample = 0;
  private pad!: DrawPad;
  private gallery!: Gallery;
  private attack!: AttackPanel;
  private busyCount = 0;

  private constructor(
    private readonly data: { test: PackedImages; train: () => Promise<PackedImages> },
    shipped: tfl.LayersModel,
  ) {
    this.model = shipped;
  }

  /** Loads everything, shows the first prediction, then the first certificate once the bound is proven. */
  static async start(): Promise<App> {
    const status = byId('backend-status');
    const wanted = new URLSearchParams(location.search).get('backend');
    const prefer = (BACKENDS as readonly string[]).includes(wanted ?? '') ? (wanted as BackendName) : undefined;
    const backend = await autoBackend(prefer);
    status.textContent = describe(backend);
    status.dataset.backend = backend.name;
    byId('backend-select', HTMLSelectElement).value = prefer ?? 'auto';
    if (backend.skipped.length) console.info(`playground: skipped ${backend.skipped.join('; ')}`);
    const [test, model] = await Promise.all([fetchPacked(ASSETS.test), tfl.loadLayersModel(ASSETS.model)]);
    let train: Promise<PackedImages> | null = null; // 1.5 MB: only when someone trains
    const loadTrain = () =>
      (train ??= fetchPacked(ASSETS.train).catch((e: Error) => {
        train = null; // let the next Train try again
        throw e;
      }));
    const app = new App({ test, train: loadTrain }, model);
    app.wire();
    app.pick(0);
    app.setBusy(true); // nothing to attack or compare before the bound is proven
    try {
      app.addModel('shipped', await certifyModel('demo4 (shipped)', model, test));
    } finally {
      app.setBusy(false);
    }
    document.body.dataset.ready = 'true';
    document.body.dataset.firstCertificateMs = String(Math.round(performance.now()));
    return app;
  }

  private wire(): void {
    this.pad = new DrawPad(byId('pad', HTMLCanvasElement), () => {
      this.source = null;
      byId('pad-source').textContent = 'Your drawing.';
      this.gallery.select(null);
      this.refresh();
    });
    this.gallery = new Gallery(this.data.test, (i) => this.pick(i));
    this.attack = new AttackPanel(
      () => ({
        model: this.model,
        image: Float32Array.from(this.pad.pixels),
        predicted: this.current!.predicted,
        certificate: this.current!.radius,
      }),
      (on) => this.setBusy(on),
    );
    new TrainPanel(
      this.data,
      (on) => this.setBusy(on),
      (m) => this.addModel('trained', m),
    );
    byId('pad-clear', HTMLButtonElement).addEventListener('click', () => this.pad.clear());
    byId('pad-reset', HTMLButtonElement).addEventListener('click', () => this.pick(this.source ?? this.lastSample));
    for (const r of document.querySelectorAll<HTMLInputElement>('input[name="tool"]')) {
      r.addEventListener('change', () => (this.pad.tool = r.value as 'pen' | 'eraser'));
    }
    byId('pad', HTMLCanvasElement).addEventListener('toolchange', (e) => {
      const tool = (e as CustomEvent<string>).detail;
      for (const r of document.querySelectorAll<HTMLInputElement>('input[name="tool"]')) r.checked = r.value === tool;
    });
    byId('epsilon', HTMLInputElement).addEventListener('input', () => this.renderCurve());
    byId('model-select', HTMLSelectElement).addEventListener('change', (e) =>
      this.activate(this.models.get((e.target as HTMLSelectElement).value)!),
    );
    byId('backend-select', HTMLSelectElement).addEventListener(
      'change',
      (e) => void this.switchBackend((e.target as HTMLSelectElement).value),
    );
  }

  /** Shows test image `i` on the pad. */
  pick(i: number): void {
    this.source = i;
    this.lastSample = i;
    this.pad.set(imageAsFloats(this.data.test, i));
    this.gallery.select(i);
    byId('pad-source').textContent =
      `Test image #${i} (label: ${CLASS_NAMES[this.data.test.labels[i]!]}). Draw on it to change it.`;
    this.refresh();
  }

  /** Recomputes the prediction (and, once the bound is proven, the certificate) of the pad's image. */
  private refresh(): void {
    const z = tf.tidy(() => this.model.predict(tf.tensor4d(this.pad.pixels, [1, 28, 28, 1])) as tf.Tensor);
    const logits = Array.from(z.dataSync());
    z.dispose();
    renderPrediction(logits, this.source === null ? null : this.data.test.labels[this.source]!);
    this.attack.reset();
    if (!this.active) {
      this.current = null;
      byId('certificate').textContent = '…';
      byId('certificate-sentence').textContent =
        "Proving the network's Lipschitz bound from its weights (a few seconds, in a background worker)…";
      return;
    }
    this.current = explainCertificate(logits, this.active.bound);
    renderCertificate(this.current);
  }

  private renderCurve(): void {
    if (this.active) renderRobustAccuracy([...this.models.values()], this.active);
  }

  private activate(m: ModelUnderTest): void {
    this.active = m;
    this.model = m.model;
    renderBoundTable(m.bound, m.boundMs, m.boundWhere);
    this.renderCurve();
    this.refresh();
  }

  private addModel(key: string, m: ModelUnderTest): void {
    const old = this.models.get(key);
    this.models.set(key, m);
    const select = byId('model-select', HTMLSelectElement);
    if (!select.querySelector(`option[value="${key}"]`)) select.append(el('option', { value: key }, m.name));
    select.value = key;
    this.activate(m);
    if (old && old.model !== m.model) old.model.dispose();
  }

  private setBusy(on: boolean): void {
    this.busyCount += on ? 1 : -1;
    const busy = this.busyCount > 0;
    for (const id of ['backend-select', 'model-select', 'train', 'attack']) {
      const control = byId(id);
      if (control instanceof HTMLButtonElement || control instanceof HTMLSelectElement) control.disabled = busy;
    }
  }

  private async switchBackend(value: string): Promise<void> {
    const status = byId('backend-status');
    this.setBusy(true);
    try {
      const info = value === 'auto' ? await autoBackend() : await useBackend(value as BackendName);
      status.textContent = describe(info);
      status.dataset.backend = info.name;
      this.refresh();
    } catch (e) {
      status.textContent = `${(e as Error).message}. Staying on ${tf.getBackend()}.`;
      await useBackend(tf.getBackend() as BackendName).catch(() => undefined);
    } finally {
      this.setBusy(false);
    }
  }
}
