/** The gallery of test images: one button per image (`data-testid="sample"`), a class filter, paging. */
import { CLASS_NAMES } from '../data/fashion-mnist-classes';
import { imageAsFloats, type PackedImages } from '../data/packed-images';
import { byId, el } from './dom';
import { drawGray } from './image-canvas';

const PAGE = 40;

/** Renders the gallery and calls `onPick(index)` when an image is chosen. */
export class Gallery {
  private shown = PAGE;
  private filter: number | null = null;
  private selected: number | null = null;

  constructor(
    private readonly data: PackedImages,
    private readonly onPick: (index: number) => void,
  ) {
    const select = byId('class-filter', HTMLSelectElement);
    CLASS_NAMES.forEach((name, i) => select.append(el('option', { value: String(i) }, name)));
    select.addEventListener('change', () => {
      this.filter = select.value === 'all' ? null : Number(select.value);
      this.shown = PAGE;
      this.render();
    });
    byId('gallery-more', HTMLButtonElement).addEventListener('click', () => {
      this.shown += PAGE;
      this.render();
    });
    this.render();
  }

  /** Marks image `index` as the selected one (or none). */
  select(index: number | null): void {
    this.selected = index;
    for (const b of byId('gallery').querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(Number(b.dataset.index) === index));
    }
  }

  private render(): void {
    const indices = [...Array(this.data.n).keys()].filter(
      (i) => this.filter === null || this.data.labels[i] === this.filter,
    );
    const visible = indices.slice(0, this.shown);
    const buttons = visible.map((i) => {
      const canvas = el('canvas', { width: '28', height: '28', 'aria-hidden': 'true' });
      drawGray(canvas, imageAsFloats(this.data, i));
      const b = el(
        'button',
        {
          type: 'button',
          'data-testid': 'sample',
          'data-index': String(i),
          'aria-pressed': String(i === this.selected),
          'aria-label': `Test image ${i}: ${CLASS_NAMES[this.data.labels[i]!]}`,
          title: `#${i} ${CLASS_NAMES[this.data.labels[i]!]}`,
        },
        canvas,
      );
      b.addEventListener('click', () => this.onPick(i));
      return b;
    });
    byId('gallery').replaceChildren(...buttons);
    byId('gallery-count').textContent = `${visible.length} of ${indices.length} shown`;
    byId('gallery-more', HTMLButtonElement).hidden = visible.length >= indices.length;
  }
}
