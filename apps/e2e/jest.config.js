/**
 * Browser tests: Playwright (playwright-core) driving Debian's Chromium against the built API started as
 * a real process (with the built console and widget), the real PostgreSQL and Redis. Run `npm run build`
 * first (`npm test` does). One file at a time: each starts its own API process.
 */
module.exports = {
  displayName: 'e2e',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', require('../../jest.swc.js')] },
  moduleNameMapper: { '^@parley/shared$': '<rootDir>/../../libs/shared/src/index.ts' },
  maxWorkers: 1,
  testTimeout: 90000,
};
