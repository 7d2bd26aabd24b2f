// Shared jest preset: ts-jest on each package's tsconfig.json, node environment,
// tests under test/, tfjs on the pure-JS cpu backend with gradients registered.
const { createDefaultPreset } = require('ts-jest');
const path = require('path');

/** @param {string} dir the package folder (pass __dirname) */
module.exports = function preset(dir, displayName) {
  return {
    ...createDefaultPreset({ tsconfig: path.join(dir, 'tsconfig.json') }),
    displayName,
    rootDir: dir,
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    setupFilesAfterEnv: [require.resolve('./packages/test-utils/dist/setup.js')],
    testTimeout: 120000,
  };
};
