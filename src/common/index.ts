/**
 * Small shared building blocks: the error type, ids from URLs, logging, money, sealed secrets, the per-purpose
 * keys shared with the wp-shim plugin, time, random tokens and their hashes, and the rendering contract (`Views`).
 */
export * from './email-mask.js';
export * from './errors.js';
export * from './ids.js';
export * from './lazy-module.js';
export * from './bulk-log.js';
export * from './logger.js';
export * from './money.js';
export * from './sealed.js';
export * from './shim-keys.js';
export * from './time.js';
export * from './tokens.js';
export * from './views.js';
