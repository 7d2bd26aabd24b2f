/**
 * `pnpm playground`: rebuilds the page on every change to src/ and serves
 * dist/ on 127.0.0.1 (`--port N`, default: esbuild's first free port from 8000).
 * Assets (static/, public/, wasm binaries) are copied once at start.
 */
import * as fs from 'node:fs';
import { context } from 'esbuild';
import { copyAssets } from './assets';
import { DIST_DIR, bundleOptions } from './bundle-options';
import { parseFlags } from './flags';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { port: 'int' }, 'playground dev');
  fs.mkdirSync(DIST_DIR, { recursive: true });
  copyAssets();
  const ctx = await context(bundleOptions(false));
  await ctx.watch();
  const { hosts, port } = await ctx.serve({
    servedir: DIST_DIR,
    host: '127.0.0.1',
    port: flags.port as number | undefined,
  });
  console.log(`playground: http://${hosts[0]}:${port}/  (rebuilds on change; Ctrl-C to stop)`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
