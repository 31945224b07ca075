/** Small shared building blocks: the error type, logging, money and time. */
export * from './errors.js';
export * from './logger.js';
export * from './money.js';
export * from './time.js';
