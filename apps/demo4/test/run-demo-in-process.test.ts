/**
 * The whole pipeline in this process (wasm in this thread, a few images):
 * it leaves no tensor behind, neither on a fresh run nor on a resume that
 * reuses every finished stage; the results.json it writes is valid against the
 * shipped JSON Schema (checked with Ajv), which refuses malformed results; and
 * its HTML report renders every figure in headless Chromium with no console
 * error, offline, from a file:// URL.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import * as tf from '@tensorflow/tfjs-core';
import { chromium } from 'playwright-core';
import { parseArgs } from '../src/cli';
import { probeFolder, searchLocations } from '../src/data/fashion-mnist';
import { RESULTS_SCHEMA_FILE, type Results } from '../src/report/results-types';
import { runDemo } from '../src/run-demo';
import { runVerify } from '../src/verify/run-verify';
import { parseVerifyArgs } from '../src/verify/verify-cli';
import type { VerifyReport } from '../src/verify/verify-report';
import { tmpDir } from './helpers';

const haveData = searchLocations().some((l) => probeFolder(l).missing.length === 0);
const withData = haveData ? describe : describe.skip;
/** Debian's Chromium (`apt-get install chromium`; CI installs it). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const withChromium = haveData && fs.existsSync(CHROMIUM) ? it : it.skip;
if (!fs.existsSync(CHROMIUM))
  console.warn(`report-in-Chromium test SKIPPED: no ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);

const schema = JSON.parse(fs.readFileSync(RESULTS_SCHEMA_FILE, 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
/** Ajv's errors for `doc` (empty when valid). */
const errorsOf = (doc: unknown) => (validate(doc) ? [] : validate.errors!);

withData('runDemo in process', () => {
  const out = tmpDir();
  const lines: string[] = [];
  const log = (s: string) => lines.push(s);
  let leaked: number[] = [];

  beforeAll(async () => {
    const flags = [
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--train-limit',
      '32',
      '--batch-size',
      '16',
      '--val-limit',
      '16',
    ];
    const args = [...flags, '--epochs', '1', '--attack-steps', '3', '--binary-search-steps', '1', '--out', out];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true; // progress bars
    try {
      const before = tf.memory().numTensors;
      expect(await runDemo(parseArgs(args), log)).toBe(0);
      const afterRun = tf.memory().numTensors;
      expect(await runDemo(parseArgs(['--resume', '--backend', 'wasm', '--out', out]), log)).toBe(0);
      leaked = [afterRun - before, tf.memory().numTensors - before];
    } finally {
      process.stdout.write = write;
    }
  }, 120000);

  it('leaks no tensors on a fresh run and on a resume that reuses every stage', () => {
    expect(leaked).toEqual([0, 0]);
    expect(lines).toContain('Stage report: finished in an earlier session; its outputs are unchanged and reused.');
  });

  it('writes a results.json valid against the shipped schema, and a copy of the schema beside it', () => {
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    expect(errorsOf(results)).toEqual([]);
    expect(results.schemaVersion).toBe(2);
    // the proven path: certificates from the proven bound, the nominal ones beside them, the test-set curve
    expect(results.bound.layers.map((l) => l.className)).toContain('Conv2D');
    expect(results.bound.statement.join(' ')).toMatch(/^Proven \(lipschitzUpperBound/);
    expect(results.attack.certificates).toHaveLength(results.attack.nominalCertificates.length);
    const ra = results.certifiedRobustAccuracy;
    expect(ra.samples).toBe(10000);
    expect(ra.highlights.map((h) => h.label)).toEqual(['36/255', '0.25', '0.5', '1.0']);
    expect(ra.epsilons[ra.epsilons.length - 1]).toBe(1.5);
    expect(fs.readFileSync(path.join(out, 'results.schema.json'), 'utf8')).toBe(
      fs.readFileSync(RESULTS_SCHEMA_FILE, 'utf8'),
    );
    // the schema is not vacuous: malformed results are refused, with the path of the problem
    /** Ajv's errors for a copy of the results with the field at `at` set to `value` (deleted when undefined). */
    const bad = (at: (string | number)[], value?: unknown) => {
      const r = JSON.parse(JSON.stringify(results)) as Record<string | number, unknown>;
      let o = r;
      for (const k of at.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const last = at[at.length - 1]!;
      if (value === undefined) delete o[last];
      else o[last] = value;
      return errorsOf(r).map((e) => `${e.instancePath} ${e.message}`);
    };
    expect(bad(['attack', 'distances', 0], 'inf')).toContain(
      '/attack/distances/0 must match exactly one schema in oneOf',
    );
    expect(bad(['attack', 'distances', 0], 'Infinity')).toEqual([]);
    expect(bad(['training', 'history'])).toEqual(["/training must have required property 'history'"]);
    expect(bad(['schemaVersion'], 1)).toEqual(['/schemaVersion must be equal to constant']);
    expect(bad(['certifiedRobustAccuracy'])).toEqual([" must have required property 'certifiedRobustAccuracy'"]);
    expect(bad(['bound', 'layers', 0, 'bound'], 'x')).toEqual(['/bound/layers/0/bound must be number']);
    expect(bad(['check', 'respected'], 1.5)).toEqual(['/check/respected must be integer']);
    expect(bad(['extra'], 1)).toEqual([' must NOT have additional properties']);
  });

  it('demo4 verify: every minimum-norm L2 attack on the run’s model, no proven certificate violated, a table', async () => {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true; // progress bars
    const vlines: string[] = [];
    const before = tf.memory().numTensors;
    try {
      // 8 images, every attack at 5 % of its steps (Brendel-Bethge: 10 steps, it refines the best adversarial found)
      const o = parseVerifyArgs(['--out', out, '--images', '8', '--quick', '--bb-steps', '200', '--backend', 'wasm']);
      expect(await runVerify(o, (l) => vlines.push(l))).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(tf.memory().numTensors).toBe(before);
    const v = JSON.parse(fs.readFileSync(path.join(out, 'verify.json'), 'utf8')) as VerifyReport;
    expect(v.attacks.map((a) => a.id)).toEqual(['cw', 'deepfool', 'fmn', 'ddn', 'newtonfool', 'bb']);
    expect(v.images).toBe(8);
    for (const a of [...v.attacks, v.all]) {
      expect(a.violations).toEqual([]);
      if (a.found > 0) expect(Number(a.tightestRatio)).toBeGreaterThanOrEqual(1);
    }
    // the closest adversarial per image is at least each certificate away, and some attack found one
    expect(v.all.found).toBeGreaterThan(0);
    v.closestDistances.forEach((d: number | string, i) => expect(Number(d)).toBeGreaterThanOrEqual(v.certificates[i]!));
    const md = fs.readFileSync(path.join(out, 'verify.md'), 'utf8');
    expect(md.trim().split('\n')).toHaveLength(2 + 6 + 1);
    expect(md).toContain('| closest over all attacks |');
    expect(vlines.join('\n')).toMatch(/^Proven \(lipschitzUpperBound/m);
  }, 600000);

  withChromium(
    'report.html renders every figure in headless Chromium, offline, with no console error',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on(
          'console',
          (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(`${m.type()}: ${m.text()}`),
        );
        page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
        page.on(
          'request',
          (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && requests.push(r.url()),
        );
        await page.goto(`file://${path.join(out, 'report.html')}`);
        await page.waitForSelector('body[data-rendered], body[data-render-error]', { timeout: 30000 });
        expect(await page.getAttribute('body', 'data-render-error')).toBe(null);
        expect(await page.getAttribute('body', 'data-rendered')).toBe('3');
        expect(errors).toEqual([]);
        expect(requests).toEqual([]); // nothing fetched from the network
        // the curves: three panels of lines; the grid: 3 images per certified sample
        expect(await page.locator('#training-curves svg .mark-line path').count()).toBeGreaterThanOrEqual(6);
        const n = (JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as Results).attack.certificates
          .length;
        expect(await page.locator('#adversarial-viz svg image').count()).toBe(3 * n);
        expect(await page.locator('table').count()).toBe(4);
        expect(await page.locator('#robust-accuracy svg .mark-line path').count()).toBe(2); // proven, nominal
        expect(await page.textContent('#adversarial-viz svg')).toMatch(/certificate \d\.\d\d/);
      } finally {
        await browser.close();
      }
    },
    120000,
  );
});
