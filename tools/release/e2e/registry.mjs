// A throwaway npm registry for the release test: Verdaccio (from npm) with in-memory storage, on
// 127.0.0.1 and a free port chosen by the OS. @lipnet/* packages live only here (never proxied);
// everything else is proxied from the registry npm is configured with on this machine. The server runs
// in its own process (`node registry.mjs <work>`), so the test's synchronous commands cannot stall it.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServer } from 'verdaccio';

const TOOLS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The registry npm uses here (`npm config get registry`), read at run time. */
export function configuredRegistry() {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

/** Runs Verdaccio in this process and registers a user; `work` is a scratch folder (htpasswd). */
async function serve(work) {
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
  return { url, uplink, npmrc: `registry=${url}\n${host}:_authToken=${token}\n` };
}

/**
 * Starts the registry in a child process. Returns its URL, its uplink, an npmrc text holding the token
 * of a freshly registered user (for publishing), and `close()`.
 */
export function startRegistry(work) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), work], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.on('exit', (code) => reject(new Error(`registry: Verdaccio exited (${code}) before it was ready`)));
    child.stdout.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{"url"'));
      if (!line) return;
      child.removeAllListeners('exit');
      const info = JSON.parse(line);
      const close = () =>
        new Promise((r) => {
          child.once('exit', () => r());
          child.kill();
        });
      resolve({ ...info, close });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const info = await serve(process.argv[2]);
  console.log(JSON.stringify(info));
}
