// A throwaway npm registry for the release test: Verdaccio (from npm) with in-memory storage, on
// 127.0.0.1 and a free port chosen by the OS. @lipnet/* packages live only here (never proxied);
// everything else is proxied from the registry npm is configured with on this machine.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServer } from 'verdaccio';

const TOOLS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The registry npm uses here (`npm config get registry`), read at run time. */
export function configuredRegistry() {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

/**
 * Starts the registry; `work` is a scratch folder (htpasswd). Returns its URL, an npmrc text holding a
 * token of a freshly registered user (for publishing), and `close()`.
 */
export async function startRegistry(work) {
  const uplink = configuredRegistry();
  fs.mkdirSync(work, { recursive: true });
  const config = {
    self_path: work,
    storage: path.join(work, 'storage'),
    store: { memory: { limit: 100000 } },
    plugins: path.join(TOOLS, 'node_modules'),
    auth: { htpasswd: { file: path.join(work, 'htpasswd'), max_users: 10 } },
    uplinks: { upstream: { url: uplink, timeout: '120s', max_fails: 10 } },
    packages: {
      '@lipnet/*': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
      '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
    },
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'error' },
    max_body_size: '200mb',
  };
  const app = await runServer(config);
  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const res = await fetch(`${url}-/user/org.couchdb.user:release-test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release-test', password: 'release-test-password' }),
  });
  if (!res.ok) throw new Error(`registry: could not register a user (${res.status} ${await res.text()})`);
  const { token } = await res.json();
  const host = url.replace(/^http:/, '');
  const npmrc = `registry=${url}\n${host}:_authToken=${token}\n`;
  return { url, uplink, npmrc, close: () => new Promise((r) => server.close(() => r())) };
}
