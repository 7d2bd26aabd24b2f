import * as fs from 'fs';
import * as path from 'path';
import { downloadFashionMnist } from '../src/data/download';
import { tmpDir } from './helpers';

/** A fetch that answers (or throws) as `impl` does, asynchronously. */
const fakeFetch = (impl: (url: string) => Response) =>
  ((url: string) => new Promise<Response>((resolve) => resolve(impl(url)))) as unknown as typeof fetch;

describe('downloadFashionMnist (fails soft, checks MD5s)', () => {
  it('reports a network failure as a note, writing nothing', async () => {
    const dir = tmpDir();
    const r = await downloadFashionMnist(dir, {
      fetchImpl: fakeFetch(() => {
        throw Object.assign(new TypeError('fetch failed'), { cause: new Error('getaddrinfo ENOTFOUND example') });
      }),
    });
    expect(r.ok).toBe(false);
    expect(r.note).toMatch(
      /tried http:\/\/fashion-mnist\.s3-website\.eu-central-1\.amazonaws\.com\/train-images-idx3-ubyte\.gz and failed \(getaddrinfo ENOTFOUND example\); no network\?/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    const r = await downloadFashionMnist(tmpDir(), {
      fetchImpl: fakeFetch(() => new Response('nope', { status: 404 })),
    });
    expect(r).toEqual({
      ok: false,
      note: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz answered HTTP 404.',
    });
  });

  it('refuses a file whose MD5 is not the published one and does not save it', async () => {
    const dir = tmpDir();
    const r = await downloadFashionMnist(dir, {
      baseUrl: 'http://mirror/',
      fetchImpl: fakeFetch(() => new Response(Buffer.from('tampered'))),
    });
    expect(r.ok).toBe(false);
    expect(r.note).toMatch(
      /^http:\/\/mirror\/train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32} does not match the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d; not saved\.$/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('skips files already in the cache', async () => {
    const dir = tmpDir();
    for (const f of [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ])
      fs.writeFileSync(path.join(dir, f), 'x');
    let calls = 0;
    const r = await downloadFashionMnist(dir, { fetchImpl: fakeFetch(() => (calls++, new Response(''))) });
    expect(r.ok).toBe(true);
    expect(calls).toBe(0);
  });
});
