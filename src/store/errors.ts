import { AppError } from '../common/errors.js';

/** The store's one error class (`store.failed`): the store cannot be opened, reached, or used as asked. */
export class StoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store.failed', message, { cause: options?.cause });
  }
}
