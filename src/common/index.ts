/** Small shared building blocks: the error type, ids from URLs, logging, money, sealed secrets and time. */
export * from './errors.js';
export * from './ids.js';
export * from './logger.js';
export * from './money.js';
export * from './sealed.js';
export * from './time.js';
