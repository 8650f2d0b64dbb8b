export * from './lib/error-codes';
export * from './lib/limits';
export * from './lib/content';
export * from './lib/backoff';
export * from './lib/retry-policy';
export * from './lib/close-reasons';
