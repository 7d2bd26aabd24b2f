/** What `demo4 verify` writes: verify.json (the type below) and verify.md (the table). */

/** One attack's outcome over the images (or, for `all`, the closest adversarial per image over every attack). */
export interface AttackRow {
  id: string;
  className: string;
  settings: string;
  /** Images for which it found an adversarial example. */
  found: number;
  /** Proven certificates above the distance found: must be empty. */
  violations: { index: number; certificate: number; distance: number }[];
  /** min over images with an adversarial of distance / proven certificate (≥ 1 when every certificate holds). */
  tightestRatio: number;
  /** Nominal (top1 − top2)/2 certificates above the distance found (a nominal radius that overstates). */
  nominalViolations: number;
  nominalTightestRatio: number;
  /** Wall seconds of the attack. */
  seconds: number;
}

/** The content of verify.json. */
export interface VerifyReport {
  format: 'demo4-verify';
  version: 1;
  /** The model folder verified. */
  model: string;
  images: number;
  backend: string;
  /** os.loadavg() at the end (1, 5, 15 minutes): the machine may be shared. */
  loadAverage: number[];
  bound: { upperBound: number; maxPerHead: number; maxPairwise: number };
  statement: string[];
  attacks: AttackRow[];
  all: AttackRow;
  /** Per image: proven and nominal certificates, and the closest adversarial distance found (Infinity: none). */
  certificates: number[];
  nominalCertificates: number[];
  closestDistances: number[];
  totalSeconds: number;
  finishedAt: string;
}

const ratio = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '—');

/** The Markdown table of `rows`: adversarials found, violations and tightest ratios (proven, nominal), time. */
export function verifyTable(rows: AttackRow[]): string {
  const head = [
    '| attack | settings | adversarials found | violations (proven) | min distance / proven certificate | violations (nominal) | min distance / nominal certificate | time (s) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  return [...head, ...rows.map(verifyTableRow)].join('\n');
}

/** One attack's row of {@link verifyTable} (what verify logs after each attack). */
export function verifyTableRow(r: AttackRow): string {
  return `| ${r.className} | ${r.settings} | ${r.found} | ${r.violations.length} | ${ratio(r.tightestRatio)} | ${r.nominalViolations} | ${ratio(r.nominalTightestRatio)} | ${r.seconds.toFixed(1)} |`;
}
