/** The certificate panel: the radius, what it means, and the formula with this image's numbers. */
import { CLASS_NAMES } from '../data/fashion-mnist-classes';
import type { ProvenBound } from '../model/bound-protocol';
import type { CertificateExplained } from '../model/certificate';
import { byId, el, fmt } from './dom';

/** Shows the certificate of the current image. */
export function renderCertificate(e: CertificateExplained): void {
  const r = byId('certificate');
  r.textContent = fmt(e.radius, 4);
  r.dataset.radius = String(e.radius);
  r.dataset.upperBound = String(e.upperBound);
  r.dataset.bodyBound = String(e.bodyBound);
  const c = CLASS_NAMES[e.predicted]!;
  const j = CLASS_NAMES[e.binding]!;
  byId('certificate-sentence').textContent =
    e.radius > 0
      ? `Proven: every image within L2 distance ${fmt(e.radius, 4)} of this one is classified "${c}" too (for comparison: one grey level on every pixel is 28/255 ≈ 0.11).`
      : `The two top logits tie: nothing is certified for this image.`;
  const f = byId('certificate-formula');
  if (e.rule === 'pairwise') {
    f.replaceChildren(
      el('p', {}, 'r = min over j ≠ c of (f_c − f_j) / (‖w_c − w_j‖₂ · B)'),
      el(
        'p',
        {},
        `c = ${c}; the minimum is reached at j = ${j}: r = ${fmt(e.margin, 5)} / (${fmt(e.headDistance!, 5)} × ${fmt(e.bodyBound, 6)}) = ${fmt(e.radius, 5)}`,
      ),
      el(
        'p',
        { class: 'muted' },
        `f_c − f_j: logit margin. w_i: column i of the last Dense layer (‖w_c − w_j‖₂ bounds how fast f_c − f_j moves per unit of the layer's input). B = ${fmt(e.bodyBound, 6)}: proven Lipschitz bound of everything before it (product of the per-layer bounds below).`,
      ),
      el(
        'p',
        { class: 'muted' },
        `For comparison: the notebook's (top1 − top2)/2, with the nominal constant 1 per head, gives ${fmt(e.nominal, 4)}; the global rule (top1 − top2)/(√2·L) with the proven L = ${fmt(e.upperBound, 6)} gives ${fmt(e.global, 4)}.`,
      ),
    );
  } else {
    f.replaceChildren(
      el('p', {}, 'r = (top1 − top2) / (√2 · L)'),
      el('p', {}, `r = ${fmt(e.margin, 5)} / (√2 × ${fmt(e.upperBound, 6)}) = ${fmt(e.radius, 5)}`),
    );
  }
}

/** Fills the per-layer table of the proven bound. */
export function renderBoundTable(bound: ProvenBound, ms: number, where: string): void {
  const rows = bound.layers.map((l) =>
    el(
      'tr',
      {},
      el('td', {}, el('strong', {}, l.name), ` (${l.className})`, el('br'), el('span', { class: 'muted' }, l.method)),
      el('td', { class: 'num' }, fmt(l.bound, 7)),
    ),
  );
  const table = byId('bound-table');
  table.dataset.ms = String(ms);
  table.dataset.where = where;
  table.replaceChildren(
    el(
      'p',
      { class: 'small' },
      `Computed in this page by @lipnet/certificates' lipschitzUpperBound on the loaded weights, ${where}, in ${fmt(ms / 1000, 3)} s: product L = ${fmt(bound.upperBound, 7)}` +
        (bound.heads ? `, body bound B = ${fmt(bound.heads.bodyBound, 7)}.` : '.'),
    ),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el('tr', {}, el('th', {}, 'layer (class): how it is bounded'), el('th', { class: 'num' }, 'bound')),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}
