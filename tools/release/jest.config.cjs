// The packaging tests run the shipped files (dist/, tarballs) in child processes; no tfjs setup here.
const { createDefaultPreset } = require('ts-jest');
const path = require('path');

module.exports = {
  ...createDefaultPreset({ tsconfig: path.join(__dirname, 'tsconfig.json') }),
  displayName: 'release',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 300000,
};
