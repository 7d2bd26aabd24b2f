/** The prediction panel: predicted class, true label when known, and a bar per logit. */
import { CLASS_NAMES } from '../data/fashion-mnist-classes';
import { byId, el, fmt } from './dom';

/** Shows `logits` (10 values); `truth` is the test label, or null for a drawn image. */
export function renderPrediction(logits: number[], truth: number | null): void {
  const c = logits.indexOf(Math.max(...logits));
  const pred = byId('prediction');
  pred.textContent = CLASS_NAMES[c] ?? String(c);
  pred.dataset.class = String(c);
  // Full-precision logits for tests and for anyone who wants the numbers.
  pred.dataset.logits = JSON.stringify(logits);
  const t = byId('truth');
  t.textContent =
    truth === null
      ? '(your drawing)'
      : truth === c
        ? `(label: ${CLASS_NAMES[truth]} ✓)`
        : `(label: ${CLASS_NAMES[truth]} ✗)`;
  const lo = Math.min(0, ...logits);
  const hi = Math.max(...logits);
  const rows = logits.flatMap((v, i) => {
    const width = hi > lo ? ((v - lo) / (hi - lo)) * 100 : 0;
    const top = i === c;
    return [
      el('span', { role: 'rowheader', class: top ? 'top-name' : '' }, CLASS_NAMES[i]!),
      el(
        'span',
        { role: 'cell', 'aria-hidden': 'true' },
        el('div', { class: top ? 'bar top' : 'bar', style: `width:${width.toFixed(1)}%` }),
      ),
      el('span', { role: 'cell', class: 'num' }, fmt(v, 3)),
    ];
  });
  const scores = byId('scores');
  const header = [
    el('span', { role: 'columnheader' }, 'class'),
    el('span', { role: 'columnheader' }, ''),
    el('span', { role: 'columnheader', class: 'num' }, 'logit'),
  ];
  scores.replaceChildren(...header, ...rows);
}
