/** The attack panel: settings, start/stop, progress, and the result next to the certificate. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { CLASS_NAMES } from '../data/fashion-mnist-classes';
import { attackImage, type AttackName, type AttackOutcome } from '../attack/attack-image';
import { byId, fmt } from './dom';
import { drawGray, drawSigned } from './image-canvas';

/** What the panel needs from the page at the moment the button is pressed. */
export interface AttackTarget {
  model: tfl.LayersModel;
  image: Float32Array;
  predicted: number;
  certificate: number;
}

/** Wires the attack controls. `target()` gives the current image and model; `busy` locks the rest of the page. */
export class AttackPanel {
  private controller: AbortController | null = null;
  /** The last outcome (for the tests' and the README's numbers). */
  last: (AttackOutcome & { certificate: number }) | null = null;

  constructor(
    private readonly target: () => AttackTarget,
    private readonly busy: (on: boolean) => void,
  ) {
    byId('attack', HTMLButtonElement).addEventListener('click', () => void this.run());
    byId('attack-stop', HTMLButtonElement).addEventListener('click', () => this.controller?.abort());
  }

  /** Forgets the shown result (the image or the model changed). */
  reset(): void {
    if (this.controller) return;
    byId('attack-result').hidden = true;
    const d = byId('attack-distance');
    d.textContent = '—';
    delete d.dataset.distance;
    delete d.dataset.state;
    byId('attack-progress', HTMLProgressElement).value = 0;
    byId('attack-summary').textContent =
      'Runs a minimum-norm L2 attack on the current image, in this page. The distance it finds can never be below the certificate.';
  }

  private async run(): Promise<void> {
    const t = this.target();
    const attack = byId('attack-select', HTMLSelectElement).value as AttackName;
    const steps = Number(byId('attack-steps', HTMLInputElement).value);
    const progress = byId('attack-progress', HTMLProgressElement);
    const summary = byId('attack-summary');
    const dist = byId('attack-distance');
    this.reset();
    dist.dataset.state = 'running';
    this.controller = new AbortController();
    this.setRunning(true);
    summary.textContent = `Attacking "${CLASS_NAMES[t.predicted]}"…`;
    try {
      const out = await attackImage(
        t.model,
        t.image,
        t.predicted,
        { attack, steps },
        { signal: this.controller.signal, onProgress: (f) => (progress.value = f) },
      );
      this.last = { ...out, certificate: t.certificate };
      this.show(t, out);
    } catch (e) {
      summary.textContent = `The attack failed: ${(e as Error).message}`;
      dist.dataset.state = 'error';
      console.error(e);
    } finally {
      this.controller = null;
      this.setRunning(false);
    }
  }

  private setRunning(on: boolean): void {
    byId('attack', HTMLButtonElement).disabled = on;
    byId('attack-stop', HTMLButtonElement).disabled = !on;
    this.busy(on);
  }

  private show(t: AttackTarget, out: AttackOutcome): void {
    byId('attack-result').hidden = false;
    drawGray(byId('attack-original', HTMLCanvasElement), t.image);
    drawGray(byId('attack-adversarial', HTMLCanvasElement), out.adversarial);
    const a = drawSigned(byId('attack-delta', HTMLCanvasElement), out.perturbation);
    byId('attack-original-class').textContent = CLASS_NAMES[t.predicted]!;
    byId('attack-new-class').textContent = out.success ? CLASS_NAMES[out.newClass]! : 'unchanged';
    byId('attack-gain').textContent = a > 0 ? `(×${fmt(1 / a, 3)}; orange +, blue −)` : '(none)';
    const dist = byId('attack-distance');
    dist.dataset.state = 'done';
    dist.dataset.distance = String(out.distance);
    dist.dataset.certificate = String(t.certificate);
    dist.dataset.success = String(out.success);
    dist.dataset.steps = String(out.gradientSteps);
    dist.dataset.seconds = String(out.seconds);
    dist.textContent = out.success ? fmt(out.distance, 6) : '∞ (none found)';
    const rate = out.gradientSteps / out.seconds;
    const how = `${out.gradientSteps} gradient steps in ${fmt(out.seconds, 3)} s (${fmt(rate, 3)} steps/s)${out.stoppedEarly ? ', stopped' : ''}`;
    const summary = byId('attack-summary');
    if (!out.success) {
      summary.textContent = `No adversarial example found (${how}). The certificate ${fmt(t.certificate, 4)} stands.`;
      return;
    }
    const ok = out.distance >= t.certificate;
    summary.replaceChildren(
      `Found "${CLASS_NAMES[out.newClass]}" at distance ${fmt(out.distance, 4)} — `,
      Object.assign(document.createElement('span'), {
        className: ok ? 'verdict-ok' : 'verdict-bad',
        textContent: ok
          ? `≥ certificate ${fmt(t.certificate, 4)} (×${fmt(out.distance / t.certificate, 3)}), as proven.`
          : `BELOW the certificate ${fmt(t.certificate, 4)}: the bound is violated!`,
      }),
      ` ${how}.`,
    );
  }
}
