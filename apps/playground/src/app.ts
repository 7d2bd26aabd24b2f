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
  private active!: ModelUnderTest;
  private source: number | null = null;
  private current: CertificateExplained | null = null;
  private pad!: DrawPad;
  private gallery!: Gallery;
  private attack!: AttackPanel;
  private busyCount = 0;

  constructor(private readonly data: { test: PackedImages; train: PackedImages }) {}

  /** Loads everything and shows the first certificate. */
  static async start(): Promise<App> {
    const status = byId('backend-status');
    const wanted = new URLSearchParams(location.search).get('backend');
    const prefer = (BACKENDS as readonly string[]).includes(wanted ?? '') ? (wanted as BackendName) : undefined;
    const backend = await autoBackend(prefer);
    status.textContent = describe(backend);
    status.dataset.backend = backend.name;
    byId('backend-select', HTMLSelectElement).value = prefer ?? 'auto';
    if (backend.skipped.length) console.info(`playground: skipped ${backend.skipped.join('; ')}`);
    const [test, train, model] = await Promise.all([
      fetchPacked(ASSETS.test),
      fetchPacked(ASSETS.train),
      tfl.loadLayersModel(ASSETS.model),
    ]);
    const app = new App({ test, train });
    app.models.set('shipped', await certifyModel('demo4 (shipped)', model, test));
    app.active = app.models.get('shipped')!;
    app.wire();
    app.pick(0);
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
        model: this.active.model,
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
    byId('model-select', HTMLSelectElement).addEventListener('change', (e) => {
      this.active = this.models.get((e.target as HTMLSelectElement).value)!;
      this.showModel();
    });
    byId('backend-select', HTMLSelectElement).addEventListener(
      'change',
      (e) => void this.switchBackend((e.target as HTMLSelectElement).value),
    );
    this.showModel();
  }

  private lastSample = 0;

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

  /** Recomputes the prediction and the certificate of the pad's image. */
  private refresh(): void {
    const z = tf.tidy(() => this.active.model.predict(tf.tensor4d(this.pad.pixels, [1, 28, 28, 1])) as tf.Tensor);
    const logits = Array.from(z.dataSync());
    z.dispose();
    this.current = explainCertificate(logits, this.active.bound);
    renderPrediction(logits, this.source === null ? null : this.data.test.labels[this.source]!);
    renderCertificate(this.current);
    this.attack.reset();
  }

  private renderCurve(): void {
    renderRobustAccuracy([...this.models.values()], this.active);
  }

  private showModel(): void {
    renderBoundTable(this.active.bound, this.active.boundMs);
    this.renderCurve();
    if (this.pad) this.refresh();
  }

  private addModel(key: string, m: ModelUnderTest): void {
    const old = this.models.get(key);
    if (old && old !== this.active) old.model.dispose();
    this.models.set(key, m);
    const select = byId('model-select', HTMLSelectElement);
    if (!select.querySelector(`option[value="${key}"]`)) select.append(el('option', { value: key }, m.name));
    select.value = key;
    if (old === this.active) old.model.dispose();
    this.active = m;
    this.showModel();
  }

  private setBusy(on: boolean): void {
    this.busyCount += on ? 1 : -1;
    const busy = this.busyCount > 0;
    for (const id of ['backend-select', 'model-select', 'train', 'attack']) {
      (byId(id) as HTMLButtonElement | HTMLSelectElement).disabled = busy;
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
