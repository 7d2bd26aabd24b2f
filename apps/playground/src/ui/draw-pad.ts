/**
 * A 28×28 drawing pad on a canvas: mouse, touch and pen through Pointer Events,
 * and the keyboard (arrows move a cursor, Space paints, E toggles pen/eraser,
 * Delete clears). Strokes are soft (a Gaussian brush), like Fashion-MNIST's
 * anti-aliased pictures; values stay in [0, 1] (0 = black background).
 */
import { drawGray } from './image-canvas';

const SIZE = 28;
const SIGMA = 0.85;
const RADIUS = 2.5;

/** Pen adds light, eraser removes it. */
export type Tool = 'pen' | 'eraser';

/** The drawing pad. `onChange` runs at most once per animation frame after an edit. */
export class DrawPad {
  readonly pixels = new Float32Array(SIZE * SIZE);
  tool: Tool = 'pen';
  private cursor = { x: 14, y: 14 };
  private keyboardPainting = false;
  private pointerId: number | null = null;
  private last: { x: number; y: number } | null = null;
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: () => void,
  ) {
    canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
    canvas.addEventListener('pointermove', (e) => this.pointerMove(e));
    const end = (e: PointerEvent) => {
      if (e.pointerId === this.pointerId) [this.pointerId, this.last] = [null, null];
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('keydown', (e) => this.keyDown(e));
    canvas.addEventListener('keyup', (e) => {
      if (e.key === ' ') this.keyboardPainting = false;
    });
    canvas.addEventListener('focus', () => this.render());
    canvas.addEventListener('blur', () => {
      this.keyboardPainting = false;
      this.render();
    });
    this.render();
  }

  /** Replaces the picture (e.g. with a test image) without calling `onChange`. */
  set(pixels: ArrayLike<number>): void {
    this.pixels.set(pixels);
    this.render();
  }

  /** Paints a soft dot centred at (x, y) in pixel units (0…28). */
  paint(x: number, y: number): void {
    for (let r = Math.floor(y - RADIUS); r <= Math.ceil(y + RADIUS); r++) {
      for (let c = Math.floor(x - RADIUS); c <= Math.ceil(x + RADIUS); c++) {
        if (r < 0 || c < 0 || r >= SIZE || c >= SIZE) continue;
        const d2 = (c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2;
        const w = Math.exp(-d2 / (2 * SIGMA * SIGMA));
        if (w < 0.02) continue;
        const i = r * SIZE + c;
        this.pixels[i] = this.tool === 'pen' ? Math.max(this.pixels[i]!, w) : Math.min(this.pixels[i]!, 1 - w);
      }
    }
    this.changed();
  }

  /** Blanks the pad. */
  clear(): void {
    this.pixels.fill(0);
    this.changed();
  }

  private toGrid(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) / rect.width) * SIZE, y: ((e.clientY - rect.top) / rect.height) * SIZE };
  }

  private pointerDown(e: PointerEvent): void {
    if (this.pointerId !== null) return;
    this.pointerId = e.pointerId;
    this.canvas.setPointerCapture?.(e.pointerId);
    e.preventDefault();
    this.last = this.toGrid(e);
    this.paint(this.last.x, this.last.y);
  }

  private pointerMove(e: PointerEvent): void {
    if (e.pointerId !== this.pointerId || !this.last) return;
    const p = this.toGrid(e);
    const steps = Math.max(1, Math.ceil(Math.hypot(p.x - this.last.x, p.y - this.last.y) / 0.35));
    for (let s = 1; s <= steps; s++) {
      this.paint(this.last.x + ((p.x - this.last.x) * s) / steps, this.last.y + ((p.y - this.last.y) * s) / steps);
    }
    this.last = p;
  }

  private keyDown(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const m = moves[e.key];
    if (m) {
      this.cursor.x = Math.min(SIZE - 1, Math.max(0, this.cursor.x + m[0]));
      this.cursor.y = Math.min(SIZE - 1, Math.max(0, this.cursor.y + m[1]));
      if (this.keyboardPainting) this.paint(this.cursor.x + 0.5, this.cursor.y + 0.5);
      else this.render();
    } else if (e.key === ' ') {
      this.keyboardPainting = true;
      this.paint(this.cursor.x + 0.5, this.cursor.y + 0.5);
    } else if (e.key === 'e' || e.key === 'E') {
      this.tool = this.tool === 'pen' ? 'eraser' : 'pen';
      this.canvas.dispatchEvent(new CustomEvent('toolchange', { detail: this.tool }));
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      this.clear();
    } else return;
    e.preventDefault();
  }

  private changed(): void {
    this.render();
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange();
    });
  }

  private render(): void {
    drawGray(this.canvas, this.pixels);
    if (document.activeElement !== this.canvas) return;
    const ctx = this.canvas.getContext('2d')!;
    const cell = this.canvas.width / SIZE;
    ctx.lineWidth = 2;
    ctx.strokeStyle = this.tool === 'pen' ? '#ffb000' : '#4fa3ff';
    ctx.strokeRect(this.cursor.x * cell + 1, this.cursor.y * cell + 1, cell - 2, cell - 2);
  }
}
