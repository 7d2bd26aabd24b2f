/**
 * Launches Debian's Chromium with playwright-core (no browser download) the
 * way the tests and the measurements do, and collects what the page says on
 * its console.
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(p)) {
    throw new Error(
      `Chromium not found at ${p}. Install Debian's (apt-get install chromium) or set CHROMIUM_PATH to a Chromium/Chrome binary.`,
    );
  }
  return p;
}

/** Launch flags: headless, no sandbox (root in CI), no GPU, nothing fetched from the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // Without a GPU, WebGL runs on SwiftShader (software); recent Chromium wants it asked for.
  '--enable-unsafe-swiftshader',
];

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}

/** Console errors, uncaught exceptions and requests that left 127.0.0.1, as they happen. */
export interface PageLog {
  errors: string[];
  external: string[];
  messages: string[];
}

/** Starts recording `page`'s console errors, page errors and any request to another host. */
export function recordPage(page: Page): PageLog {
  const log: PageLog = { errors: [], external: [], messages: [] };
  page.on('console', (m) => {
    log.messages.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error') log.errors.push(m.text());
  });
  page.on('pageerror', (e) => log.errors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', ''].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:')
      log.external.push(r.url());
  });
  return log;
}
