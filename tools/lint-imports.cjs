#!/usr/bin/env node
// Libraries never pick a backend: their src/ may import @tensorflow/tfjs-core and
// @tensorflow/tfjs-layers only, and never call setBackend. @lipnet/core is the bottom
// of the graph: it imports tfjs-core and nothing else of lipnet's or tfjs-layers.
// Usage: lint-imports.cjs <dir> (the package is the one whose package.json is beside <dir>)
const fs = require('fs');
const path = require('path');
const root = process.argv[2] || 'src';
const pkgFile = path.join(path.dirname(path.resolve(root)), 'package.json');
const pkgName = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, 'utf8')).name : '';
const bottom =
  pkgName === '@lipnet/core'
    ? [
        [/['"]@lipnet\/[^'"]*['"]/, 'imports another @lipnet package; @lipnet/core is at the bottom of the graph'],
        [/['"]@tensorflow\/tfjs-layers['"]/, 'imports tfjs-layers; @lipnet/core depends on tfjs-core only'],
      ]
    : [];
const forbidden = [
  ...bottom,
  [/from ['"]@tensorflow\/tfjs['"]/, 'imports @tensorflow/tfjs (the umbrella package); import tfjs-core / tfjs-layers'],
  [/['"]@tensorflow\/tfjs-node(-gpu)?['"]/, 'imports a native backend; backends are chosen by apps (@lipnet/backend)'],
  [/['"]@tensorflow\/tfjs-backend-[a-z]+['"]/, 'imports a backend; backends are chosen by apps (@lipnet/backend)'],
  [/\bsetBackend\s*\(/, 'calls setBackend; libraries run on whatever backend the app chose'],
  [/from ['"][^'"]*\/dist\/[^'"]*['"]/, "deep-imports a dist/ file; import the package's entry point"],
];
let bad = 0;
function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.ts$/.test(e.name)) {
      const lines = fs.readFileSync(p, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const [re, why] of forbidden) {
          if (re.test(line)) {
            console.error(`${p}:${i + 1}: ${why}`);
            bad++;
          }
        }
      });
    }
  }
}
walk(root);
if (bad) {
  console.error(`lint-imports: ${bad} problem(s) in ${root}`);
  process.exit(1);
}
console.log(`lint-imports: ${root} is clean`);
