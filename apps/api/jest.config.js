/**
 * API tests: unit specs beside the code (src/**\/*.spec.ts) and integration tests (test/**\/*.test.ts)
 * that boot the real app against the real PostgreSQL and Redis. Integration files share one database,
 * so files run one at a time.
 */
module.exports = {
  displayName: 'api',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', require('../../jest.swc.js')] },
  moduleNameMapper: { '^@parley/shared$': '<rootDir>/../../libs/shared/src/index.ts' },
  setupFiles: ['<rootDir>/test/support/async-context.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 30000,
};
