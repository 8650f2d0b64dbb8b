/**
 * Widget unit tests (jsdom): the launcher element, the chat panel with a fake transport, the public API,
 * the npm loader and the size budgets. Browser tests against the real API are in apps/e2e/src/widget.
 */
module.exports = {
  displayName: 'widget',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', require('../../jest.swc.js')] },
  moduleNameMapper: { '^@parley/shared$': '<rootDir>/../../libs/shared/src/index.ts' },
};
