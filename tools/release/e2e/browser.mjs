// Serves a folder on 127.0.0.1 (a free port) and opens its index.html in Debian's Chromium through
// playwright-core (no browser download). Collects the console, waits for the program's last line,
// and saves the console text and a screenshot into `outDir`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { step } from './shell.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

function serve(dir) {
  const server = http.createServer((req, res) => {
    const file = path.join(
      dir,
      path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^[/\\]+/, '') || 'index.html',
    );
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function runInChromium(dir, outDir) {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const server = await serve(dir);
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const lines = [];
  const t0 = Date.now();
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 420 } });
    page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
    console.log(`${(await browser.version()) ? `Chromium ${browser.version()}` : 'Chromium'} → ${url}`);
    await page.goto(url);
    await page.waitForFunction(
      () => /LIPNET-CONSUMER-(OK|FAILED)/.test(document.getElementById('log')?.textContent ?? ''),
      null,
      {
        timeout: 240000,
      },
    );
    fs.mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, 'browser.png'), fullPage: true });
  } finally {
    await browser.close();
    server.close();
  }
  fs.writeFileSync(path.join(outDir, 'browser-console.txt'), lines.join('\n') + '\n');
  step(`browser console (also in ${path.join(outDir, 'browser-console.txt')}, screenshot browser.png)`);
  console.log(lines.join('\n'));
  if (!lines.some((l) => l.includes('LIPNET-CONSUMER-OK')))
    throw new Error('the browser program failed (console above)');
  return (Date.now() - t0) / 1000;
}
