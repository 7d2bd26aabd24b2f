import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { node, publicPackages, ROOT, TOOLS, type Manifest } from './helpers';

const CHECK = path.join(TOOLS, 'check-packages.mjs');
const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of the repository's package skeleton (changesets config, LICENSE, packages/<p>) to break. */
function skeleton(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lipnet-check-'));
  made.push(root);
  fs.cpSync(path.join(ROOT, '.changeset'), path.join(root, '.changeset'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(root, 'LICENSE'));
  for (const { dir } of publicPackages()) {
    const to = path.join(root, 'packages', path.basename(dir));
    fs.cpSync(path.join(dir, 'src'), path.join(to, 'src'), { recursive: true });
    for (const f of ['package.json', 'README.md']) fs.copyFileSync(path.join(dir, f), path.join(to, f));
  }
  return root;
}

describe('check-packages', () => {
  it('passes on the repository (every public package, with its dist/)', () => {
    const r = node([CHECK]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const { name } of publicPackages()) expect(r.stdout).toContain(name);
  });

  it('names each missing or wrong field of a new package', () => {
    const root = skeleton();
    const dir = path.join(root, 'packages/newthing');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        name: '@lipnet/newthing',
        version: '0.0.0',
        repository: { type: 'git', url: 'lipnet' },
        dependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
      }),
    );
    const r = node([CHECK, '--root', root]);
    expect(r.status).toBe(1);
    for (const re of [
      /@lipnet\/newthing: "exports" should be/,
      /@lipnet\/newthing: "files" should be/,
      /@lipnet\/newthing: "engines" should be/,
      /@lipnet\/newthing: scripts.prepack should be/,
      /@lipnet\/newthing: no "description"/,
      /@lipnet\/newthing: "keywords" needs/,
      /@lipnet\/newthing: missing from the "fixed" group/,
      /@lipnet\/newthing: @tensorflow\/tfjs-core is in dependencies; tfjs packages are peerDependencies/,
      /@lipnet\/newthing: "repository" is .*"lipnet".*give a real https URL or remove the field/,
      /@lipnet\/newthing: no README.md/,
      /@lipnet\/newthing: no src\/index.ts/,
    ])
      expect(r.stderr).toMatch(re);
  });

  it('--fix writes the standard fields, after which only the human parts are missing', () => {
    const root = skeleton();
    const dir = path.join(root, 'packages/layers');
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    delete pkg.exports;
    pkg.files = ['dist', 'test'];
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    expect(node([CHECK, '--root', root]).stderr).toMatch(/@lipnet\/layers: "exports" should be/);
    const r = node([CHECK, '--root', root, '--fix']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails when a browser library imports a Node built-in', () => {
    const root = skeleton();
    const dist = path.join(root, 'packages/losses/dist');
    fs.mkdirSync(dist);
    for (const f of ['index.js', 'index.d.ts', 'index.mjs', 'index.mjs.map', 'index.node.mjs', 'index.d.mts'])
      fs.writeFileSync(path.join(dist, f), '');
    fs.writeFileSync(path.join(dist, 'index.mjs'), "import * as fs from 'node:fs';\nexport const a = fs;\n");
    fs.writeFileSync(path.join(dist, 'index.js'), "const path = require('path');\n");
    const r = node([CHECK, '--root', root]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/losses: dist\/index.mjs imports Node built-in\(s\) node:fs/);
    expect(r.stderr).toMatch(/losses: dist\/index.js imports Node built-in\(s\) path/);
  });
});
