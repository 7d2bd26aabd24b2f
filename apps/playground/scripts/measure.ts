/**
 * Measures the built playground in headless Chromium on every backend the
 * browser offers: time to first certificate, the bound's proof time, attack
 * gradient steps per second (Carlini-Wagner, 500 steps, one image) and training
 * images per second (one epoch of the dense and the conv network), plus the
 * bundle sizes from dist/build-report.json. Writes docs/measurements.json;
 * with --screenshots, also the PNGs of docs/.
 *
 * Usage: pnpm --filter playground measure [--screenshots | --screenshots-only] [--backends wasm,cpu]
 * (build first: pnpm playground:build). Timings depend on the machine's load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, recordPage } from './browser';
import { parseFlags } from './flags';
import { serveStatic } from './static-server';
import { takeScreenshots } from './screenshots';

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 180_000 });
}

async function train(page: Page, arch: 'dense' | 'conv'): Promise<number> {
  await page.selectOption('#train-arch', arch);
  await page.fill('#train-epochs', '1');
  await page.fill('#train-batch', '64');
  await page.click('[data-testid="train"]');
  await page.waitForSelector('[data-testid="train-status"][data-state="done"]', { timeout: 600_000 });
  return Number(await page.$eval('[data-testid="train-status"]', (e) => (e as HTMLElement).dataset.imagesPerSecond));
}

type Sizes = Map<string, { bytes: number; gzip: number }>;

/** Sums the gzip sizes (from the build report) of the files the page fetched, by kind. */
function fetched(paths: Set<string>, sizes: Sizes): Record<string, number> {
  const out: Record<string, number> = { jsGzip: 0, wasmGzip: 0, otherGzip: 0 };
  for (const p of paths) {
    const s = sizes.get(p);
    if (!s) continue;
    const k = p.endsWith('.js') ? 'jsGzip' : p.endsWith('.wasm') ? 'wasmGzip' : 'otherGzip';
    out[k]! += s.gzip;
  }
  return out;
}

async function measureBackend(
  browser: Browser,
  url: string,
  backend: string,
  sizes: Sizes,
): Promise<Record<string, unknown>> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const log = recordPage(page);
  const paths = new Set<string>();
  page.on('requestfinished', (r) => paths.add(new URL(r.url()).pathname.replace(new URL(url).pathname, '')));
  page.on('worker', (w) => paths.add(new URL(w.url()).pathname.replace(new URL(url).pathname, '')));
  await page.goto(`${url}?backend=${backend}`);
  await waitReady(page);
  const loadedAtFirstCertificate = fetched(paths, sizes);
  const info = await page.evaluate(() => ({
    backend: document.getElementById('backend-status')?.dataset.backend,
    description: document.getElementById('backend-status')?.textContent,
    firstCertificateMs: Number(document.body.dataset.firstCertificateMs),
    boundMs: Number(document.getElementById('bound-table')?.dataset.ms),
    boundWhere: document.getElementById('bound-table')?.dataset.where,
  }));
  if (info.backend !== backend) {
    await page.close();
    return { requested: backend, unavailable: info.description };
  }
  await page.selectOption('#attack-select', 'cw');
  await page.fill('#attack-steps', '500');
  await page.click('[data-testid="attack"]');
  await page.waitForSelector('[data-testid="attack-distance"][data-state="done"]', { timeout: 600_000 });
  const attack = await page.$eval('[data-testid="attack-distance"]', (e) => {
    const d = (e as HTMLElement).dataset;
    return {
      steps: Number(d.steps),
      seconds: Number(d.seconds),
      distance: Number(d.distance),
      certificate: Number(d.certificate),
    };
  });
  const denseImagesPerSecond = await train(page, 'dense');
  const convImagesPerSecond = await train(page, 'conv');
  await page.close();
  return {
    ...info,
    loadedAtFirstCertificate,
    attack: { ...attack, stepsPerSecond: attack.steps / attack.seconds },
    training: { denseImagesPerSecond, convImagesPerSecond },
    consoleErrors: log.errors,
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(
    process.argv.slice(2),
    { screenshots: 'bool', 'screenshots-only': 'bool', backends: 'string' },
    'measure',
  );
  const backends = ((flags.backends as string | undefined) ?? 'webgpu,webgl,wasm,cpu').split(',');
  const dist = path.resolve('dist');
  const report = JSON.parse(fs.readFileSync(path.join(dist, 'build-report.json'), 'utf8')) as Record<
    string,
    unknown
  > & {
    files: { file: string; bytes: number; gzip: number }[];
  };
  const sizes: Sizes = new Map(report.files.map((f) => [f.file, f]));
  const server = await serveStatic(dist, '/playground/');
  const browser = await launchChromium();
  try {
    if (flags['screenshots-only']) return await takeScreenshots(browser, server.url, 'docs');
    const results: Record<string, unknown>[] = [];
    for (const b of backends) {
      const t0 = Date.now();
      const load = os.loadavg()[0];
      const r = await measureBackend(browser, server.url, b, sizes);
      results.push({ ...r, loadAverageBefore: load, wallSeconds: (Date.now() - t0) / 1000 });
      console.log(JSON.stringify(results[results.length - 1]));
    }
    const out = {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        loadAverage: os.loadavg(),
        chromium: browser.version(),
      },
      bundle: {
        entry: report.entry,
        javascript: report.javascript,
        wasm: report.wasm,
        model: report.model,
        data: report.data,
        total: report.total,
      },
      backends: results,
    };
    fs.mkdirSync('docs', { recursive: true });
    fs.writeFileSync('docs/measurements.json', JSON.stringify(out, null, 2) + '\n');
    console.log('measure: wrote docs/measurements.json');
    if (flags.screenshots) await takeScreenshots(browser, server.url, 'docs');
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
