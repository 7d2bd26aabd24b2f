/** The README's screenshots of the main states of the page (wasm backend), written as PNG into `dir`. */
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';

async function clipOf(
  page: Page,
  selectors: string[],
): Promise<{ x: number; y: number; width: number; height: number }> {
  return page.evaluate((sels) => {
    const rects = sels.map((s) => document.querySelector(s)!.getBoundingClientRect());
    const x = Math.min(...rects.map((r) => r.left)) - 8;
    const y = Math.min(...rects.map((r) => r.top)) + window.scrollY - 8;
    const right = Math.max(...rects.map((r) => r.right)) + 8;
    const bottom = Math.max(...rects.map((r) => r.bottom)) + window.scrollY + 8;
    return { x: Math.max(0, x), y: Math.max(0, y), width: right - Math.max(0, x), height: bottom - Math.max(0, y) };
  }, selectors);
}

async function shot(page: Page, dir: string, name: string, selectors?: string[]): Promise<void> {
  const file = path.join(dir, name);
  if (selectors) await page.screenshot({ path: file, fullPage: true, clip: await clipOf(page, selectors) });
  else await page.screenshot({ path: file });
  console.log(`screenshots: ${file}`);
}

async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 180_000 });
}

/** Takes the screenshots (desktop 1280 px wide, and a 390 × 844 phone). */
export async function takeScreenshots(browser: Browser, url: string, dir: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${url}?backend=wasm`);
  await ready(page);
  await page.locator('[data-testid="sample"]').nth(1).click();
  await shot(page, dir, 'overview.png');
  await page.selectOption('#attack-select', 'cw');
  await page.fill('#attack-steps', '500');
  await page.click('[data-testid="attack"]');
  await page.waitForSelector('[data-testid="attack-distance"][data-state="done"]', { timeout: 600_000 });
  await page.click('#bound-details summary');
  await shot(page, dir, 'certificate-and-attack.png', ['#prediction-card', '#certificate-card', '#attack-card']);
  await page.click('#bound-details summary'); // closed again: the next picture is about the pad
  await page.click('#pad-clear');
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = (await page.locator('#pad').boundingBox())!;
  for (const fx of [0.4, 0.6]) {
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.12);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++)
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * (0.12 + 0.075 * k));
    await page.mouse.up();
  }
  await page.waitForTimeout(300);
  await shot(page, dir, 'drawing.png', ['#input', '#prediction-card', '#certificate-card']);
  await page.selectOption('#train-arch', 'dense');
  await page.fill('#train-epochs', '3');
  await page.click('[data-testid="train"]');
  await page.waitForSelector('[data-testid="train-status"][data-state="done"]', { timeout: 600_000 });
  await page.$eval('#epsilon', (e) => {
    (e as HTMLInputElement).value = '0.5';
    e.dispatchEvent(new Event('input'));
  });
  await shot(page, dir, 'robust-accuracy-and-training.png', ['#cra-card', '#train-card']);
  await page.close();

  const phone = await browser.newPage({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await phone.goto(`${url}?backend=wasm`);
  await ready(phone);
  await shot(phone, dir, 'phone.png');
  await phone.locator('#prediction-card').scrollIntoViewIfNeeded();
  await shot(phone, dir, 'phone-certificate.png');
  await phone.close();
}
