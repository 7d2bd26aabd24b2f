// The shared preset, with core's own cpu setup: @lipnet/test-utils depends on
// @lipnet/core, so core's tests cannot load test-utils' setup.
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'core'),
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};
