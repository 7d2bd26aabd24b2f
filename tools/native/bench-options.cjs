// What tools/native's measurement scripts share: their numeric `--name value` options, and
// require() from inside the monorepo (packages/backend's dependencies, or the benchmarks').
'use strict';
const path = require('path');
const { createRequire } = require('module');

const root = path.resolve(__dirname, '..', '..');

/** The numeric value of `--name` on the command line, or `def`; a non-number is refused with the option's name. */
function numericOption(name, def) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    throw new Error(
      `--${name}: expected a positive number, got ${argv[i + 1] === undefined ? 'nothing' : argv[i + 1]}`,
    );
  }
  return v;
}

/** require() as seen from `dir` of the monorepo (e.g. 'packages/backend' or 'benchmarks'). */
function requireFrom(dir) {
  return createRequire(path.join(root, dir, 'package.json'));
}

module.exports = { numericOption, requireFrom, root };
