/**
 * Optional download of Fashion-MNIST from its canonical location into demo4's
 * cache, checked against the published MD5 sums (of the `.gz` file and of its
 * decompressed content). It fails soft: any problem becomes a note for the
 * "not found" message, never a crash. The machine this was written on is
 * offline, so in practice that note is what users there see.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { DOWNLOAD_BASE, FILE_NAMES, FILE_ROLES, MD5 } from './fashion-mnist';
import { makeDirs } from '../pipeline/output-dir';

/** Options of {@link downloadFashionMnist}. */
export interface DownloadOptions {
  /** Base URL (default {@link DOWNLOAD_BASE}). */
  baseUrl?: string;
  /** Per-file timeout in ms (default 20 s). */
  timeoutMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Injected fetch (tests). */
  fetchImpl?: typeof fetch;
}

/**
 * Downloads the four `.gz` files into `cacheDir`, each written atomically
 * (temp file + rename) only after both MD5 checks pass.
 * @returns `{ok: true}` when all four are in place, else `{ok: false, note}` saying why.
 */
export async function downloadFashionMnist(
  cacheDir: string,
  opts: DownloadOptions = {},
): Promise<{ ok: boolean; note: string }> {
  const base = opts.baseUrl ?? DOWNLOAD_BASE;
  const log = opts.log ?? (() => undefined);
  const doFetch = opts.fetchImpl ?? globalThis.fetch;
  if (!doFetch) return { ok: false, note: `skipped: this Node.js has no fetch (need Node ≥ 18).` };
  try {
    makeDirs(cacheDir);
  } catch (err) {
    return { ok: false, note: `cannot create ${cacheDir} (${(err as Error).message}).` };
  }
  for (const role of FILE_ROLES) {
    const name = `${FILE_NAMES[role]}.gz`;
    const dest = path.join(cacheDir, name);
    if (fs.existsSync(dest)) continue;
    const url = base + name;
    log(`Downloading ${url} → ${dest}`);
    let body: Buffer;
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 20000) });
      if (!res.ok) return { ok: false, note: `${url} answered HTTP ${res.status}.` };
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      const e = err as Error & { cause?: Error };
      const why = e.cause?.message ?? e.message;
      return { ok: false, note: `tried ${url} and failed (${why}); no network?` };
    }
    const gzSum = crypto.createHash('md5').update(body).digest('hex');
    if (gzSum !== MD5.gz[role]) {
      return { ok: false, note: `${url}: MD5 ${gzSum} does not match the published ${MD5.gz[role]}; not saved.` };
    }
    let raw: Buffer;
    try {
      raw = zlib.gunzipSync(body);
    } catch (err) {
      return { ok: false, note: `${url}: bad gzip data (${(err as Error).message}); not saved.` };
    }
    const rawSum = crypto.createHash('md5').update(raw).digest('hex');
    if (rawSum !== MD5.raw[role]) {
      return { ok: false, note: `${url}: decompressed MD5 ${rawSum} does not match ${MD5.raw[role]}; not saved.` };
    }
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, body);
    fs.renameSync(tmp, dest);
  }
  return { ok: true, note: `downloaded into ${cacheDir}.` };
}
