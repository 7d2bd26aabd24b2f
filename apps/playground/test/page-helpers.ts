/** Reading the playground page from the tests (through its stable data-testid hooks). */
import type { Page } from 'playwright-core';

/** Waits until the page has shown its first certificate (or failed to start). */
export async function waitReady(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    () =>
      document.body.dataset.ready === 'true' || document.getElementById('backend-status')?.dataset.state === 'error',
    undefined,
    { timeout },
  );
  const failed = await page.$eval('#backend-status', (e) => (e as HTMLElement).dataset.state === 'error');
  if (failed) throw new Error(`the page did not start: ${await page.textContent('#backend-status')}`);
}

/** The prediction panel's class name, class index and full-precision logits. */
export async function readPrediction(page: Page): Promise<{ name: string; predicted: number; logits: number[] }> {
  return page.$eval('[data-testid="prediction"]', (e) => {
    const d = (e as HTMLElement).dataset;
    return { name: e.textContent ?? '', predicted: Number(d.class), logits: JSON.parse(d.logits ?? '[]') as number[] };
  });
}

/** The certificate shown (full precision) and the bounds it used. */
export async function readCertificate(
  page: Page,
): Promise<{ radius: number; upperBound: number; bodyBound: number; text: string }> {
  return page.$eval('[data-testid="certificate"]', (e) => {
    const d = (e as HTMLElement).dataset;
    return {
      radius: Number(d.radius),
      upperBound: Number(d.upperBound),
      bodyBound: Number(d.bodyBound),
      text: e.textContent ?? '',
    };
  });
}

/** Runs the attack with the given settings and returns what `attack-distance` shows once it ends. */
export async function runAttack(
  page: Page,
  attack: 'cw' | 'fmn' | 'ddn',
  steps: number,
): Promise<{ distance: number; certificate: number; success: boolean; text: string; summary: string }> {
  await page.selectOption('#attack-select', attack);
  await page.fill('#attack-steps', String(steps));
  await page.click('[data-testid="attack"]');
  await page.waitForSelector(
    '[data-testid="attack-distance"][data-state="done"], [data-testid="attack-distance"][data-state="error"]',
    {
      timeout: 240_000,
    },
  );
  return page.$eval('[data-testid="attack-distance"]', (e) => {
    const d = (e as HTMLElement).dataset;
    return {
      distance: Number(d.distance),
      certificate: Number(d.certificate),
      success: d.success === 'true',
      text: e.textContent ?? '',
      summary: document.getElementById('attack-summary')?.textContent ?? '',
    };
  });
}
