/**
 * The built playground (dist/) in Debian's Chromium, driven by playwright-core,
 * served from a sub-folder of a static server on 127.0.0.1: it starts with no
 * console error on each backend, shows the logits and the certificate that
 * Node computes for the same model and image, never lets an attack beat the
 * certificate, reacts to drawing, and trains.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { launchChromium, recordPage, type PageLog } from '../scripts/browser';
import { serveStatic, type StaticServer } from '../scripts/static-server';
import {
  certifyInNode,
  lipschitzUpperBound,
  loadShippedModel,
  loadTestImages,
  type NodeCertificate,
} from './node-reference';
import { readCertificate, readPrediction, runAttack, waitReady } from './page-helpers';

const DIST = path.join(__dirname, '..', 'dist');
// CI runs every package's tests at once on 2 cores: the browser is slow then (never asserted on).
jest.setTimeout(300_000);
/** The image the page shows first. */
const FIRST_IMAGE = 0;

let server: StaticServer;
let browser: Browser;
let model: tfl.LayersModel;
let reference: NodeCertificate;
const pages = new Map<string, { page: Page; log: PageLog }>();

async function openPage(
  backend: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ viewport });
  const log = recordPage(page);
  await page.goto(`${server.url}?backend=${backend}`);
  await waitReady(page);
  return { page, log };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run \`pnpm playground:build\` (turbo runs it before these tests).`);
  }
  server = await serveStatic(DIST, '/any/folder/playground/');
  browser = await launchChromium();
  model = await loadShippedModel();
  const bound = lipschitzUpperBound(model);
  reference = certifyInNode(model, bound, loadTestImages(), FIRST_IMAGE);
});

afterAll(async () => {
  for (const { page } of pages.values()) await page.close();
  await browser?.close();
  await server?.close();
  model?.dispose();
});

describe.each(['wasm', 'cpu', 'webgl'])('on %s', (backend) => {
  test('starts with no console error, only local requests, and shows the backend', async () => {
    const opened = await openPage(backend);
    pages.set(backend, opened);
    const { page, log } = opened;
    const shown = await page.$eval('#backend-status', (e) => (e as HTMLElement).dataset.backend);
    if (backend === 'webgl') {
      const hasGl = await page.evaluate(() => !!document.createElement('canvas').getContext('webgl2'));
      // Without WebGL the page must fall back to the next backend, not fail.
      expect(shown).toBe(hasGl ? 'webgl' : 'wasm');
    } else expect(shown).toBe(backend);
    expect(log.errors).toEqual([]);
    expect(log.external).toEqual([]);
    expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(await page.locator('[data-testid="sample"]').count()).toBeGreaterThan(10);
  });

  test('shows the logits and the certificate Node computes for the same model and image', async () => {
    const { page } = pages.get(backend)!;
    const shown = await readPrediction(page);
    expect(shown.logits).toHaveLength(10);
    shown.logits.forEach((v, i) => expect(Math.abs(v - reference.logits[i]!)).toBeLessThanOrEqual(1e-4));
    expect(shown.predicted).toBe(reference.predicted);
    const cert = await readCertificate(page);
    // The proven bound is computed in the page on its backend, in Node on cpu: same weights, same bound.
    expect(Math.abs(cert.upperBound / reference.bound.upperBound - 1)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(cert.radius - reference.radius)).toBeLessThanOrEqual(1e-4);
    expect(reference.radius).toBeGreaterThan(0);
    // …and it is not the nominal one: it divides by the proven per-pair constants.
    expect(Math.abs(cert.bodyBound - reference.bound.heads!.bodyBound)).toBeLessThanOrEqual(
      1e-4 * reference.bound.heads!.bodyBound,
    );
  });
});

describe('attacks in the page', () => {
  test('a Carlini-Wagner attack (wasm) never gets closer than the certificate', async () => {
    const { page } = pages.get('wasm')!;
    const r = await runAttack(page, 'cw', 300);
    expect(r.success).toBe(true);
    expect(r.certificate).toBeCloseTo(reference.radius, 4);
    expect(r.distance).toBeGreaterThanOrEqual(r.certificate);
    expect(Number(r.text)).toBeCloseTo(r.distance, 4);
  });

  test('an FMN attack (cpu) on another image never gets closer than its certificate', async () => {
    const { page } = pages.get('cpu')!;
    await page.locator('[data-testid="sample"]').nth(3).click();
    const cert = await readCertificate(page);
    const r = await runAttack(page, 'fmn', 40);
    expect(r.success).toBe(true);
    expect(r.certificate).toBe(cert.radius);
    expect(r.distance).toBeGreaterThanOrEqual(r.certificate);
  });
});

describe('drawing', () => {
  test('drawing on the pad with the mouse changes the prediction', async () => {
    const { page } = pages.get('wasm')!;
    await page.locator('[data-testid="sample"]').first().click();
    const before = await readPrediction(page);
    const box = (await page.locator('#pad').boundingBox())!;
    // Two long vertical strokes (a pair of trousers) over the picture.
    for (const fx of [0.38, 0.62]) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.1);
      await page.mouse.down();
      for (let k = 1; k <= 10; k++)
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * (0.1 + 0.08 * k));
      await page.mouse.up();
    }
    await page.waitForFunction(
      (old) => document.querySelector('[data-testid="prediction"]')?.textContent !== old,
      before.name,
    );
    const after = await readPrediction(page);
    expect(after.predicted).not.toBe(before.predicted);
    expect(await page.textContent('#truth')).toBe('(your drawing)');
  });

  test('the keyboard draws too (arrows + Space)', async () => {
    const { page } = pages.get('wasm')!;
    await page.click('#pad-clear');
    const before = await readPrediction(page);
    await page.focus('#pad');
    await page.keyboard.down(' ');
    for (let k = 0; k < 8; k++) await page.keyboard.press('ArrowDown');
    await page.keyboard.up(' ');
    await page.waitForFunction(
      (old) => (document.querySelector('[data-testid="prediction"]') as HTMLElement).dataset.logits !== old,
      JSON.stringify(before.logits),
    );
    const after = await readPrediction(page);
    expect(Math.max(...after.logits.map((v, i) => Math.abs(v - before.logits[i]!)))).toBeGreaterThan(1e-3);
  });
});

describe('training in the page (wasm)', () => {
  test('one epoch lowers the loss, leaks no tensor, and the trained model is certified and attacked', async () => {
    const { page, log } = pages.get('wasm')!;
    await page.selectOption('#train-arch', 'dense');
    await page.fill('#train-epochs', '1');
    await page.fill('#train-batch', '64');
    await page.click('[data-testid="train"]');
    await page.waitForSelector(
      '[data-testid="train-status"][data-state="done"], [data-testid="train-status"][data-state="error"]',
      {
        timeout: 240_000,
      },
    );
    const status = (await page.$eval('[data-testid="train-status"]', (e) => ({
      ...(e as HTMLElement).dataset,
    }))) as Record<string, string | undefined>;
    expect(status.state).toBe('done');
    const losses = JSON.parse(status.stepLosses!) as number[];
    expect(losses.length).toBe(Math.ceil(2000 / 64));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    expect(Number(status.tensorGrowth)).toBe(0);
    expect(await page.$eval('#model-select', (e) => (e as HTMLSelectElement).value)).toBe('trained');
    // The trained model is certified with its own proven bound, and an attack respects it.
    await page.locator('[data-testid="sample"]').first().click();
    const cert = await readCertificate(page);
    expect(cert.radius).toBeGreaterThanOrEqual(0);
    const r = await runAttack(page, 'ddn', 200);
    if (r.success) expect(r.distance).toBeGreaterThanOrEqual(r.certificate);
    expect(log.errors).toEqual([]);
  });
});

describe('accessibility', () => {
  test('on a phone-sized viewport nothing overflows, every control has a label, and Tab reaches the attack button', async () => {
    const { page, log } = await openPage('wasm', { width: 390, height: 844 });
    try {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const unlabeled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, button, canvas[tabindex]')]
          .filter((e) => {
            const el = e as HTMLInputElement;
            const named =
              (el.labels && el.labels.length > 0) ||
              el.getAttribute('aria-label') ||
              (el.tagName === 'BUTTON' && el.textContent?.trim());
            return !named && !(el as HTMLElement).hidden;
          })
          .map((e) => e.outerHTML.slice(0, 80)),
      );
      expect(unlabeled).toEqual([]);
      let reached = false;
      for (let k = 0; k < 120 && !reached; k++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'attack');
      }
      expect(reached).toBe(true);
      expect(log.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
