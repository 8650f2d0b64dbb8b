/** Tests of the typed documents: the committed codegen output must match what codegen produces now. */
module.exports = {
  displayName: 'graphql',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', require('../../jest.swc.js')] },
  testTimeout: 30000,
};
