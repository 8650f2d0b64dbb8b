/**
 * Component and service tests of the operator console: jest-preset-angular (zoneless TestBed, jsdom).
 * Specs live beside the code as `*.spec.ts`.
 */
module.exports = {
  displayName: 'operator-angular',
  rootDir: __dirname,
  preset: 'jest-preset-angular',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.(ts|mjs|js|html)$': [
      'jest-preset-angular',
      { tsconfig: '<rootDir>/tsconfig.spec.json', stringifyContentPathRegex: '\\.(html|svg)$'},
    ],
  },
  transformIgnorePatterns: ['node_modules/(?!.*\\.mjs$)'],
  moduleNameMapper: {
    '^@parley/shared$': '<rootDir>/../../libs/shared/src/index.ts',
    '^@parley/graphql$': '<rootDir>/../../libs/graphql/src/index.ts',
  },
  testTimeout: 15000,
};
