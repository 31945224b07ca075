/**
 * File uploads for the admin area (PayPal's MassPay result file). A multipart form is read into `req.body` (its
 * text fields, and each file's text under the file field's name) before the CSRF check, so the form's `_csrf`
 * field is checked exactly like any other form's. Only for the listed paths, only for a signed-in administrator
 * (nobody else gets a byte buffered), one file, UTF-8 text, at most {@link MAX_UPLOAD_BYTES}.
 */
import busboy from 'busboy';
import type { RequestHandler } from 'express';
import { AppError } from '../common/index.js';

/** A PayPal result file of some 50,000 payees; larger files are split by PayPal's own 15,000-row limit anyway. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export function multipartUploads(paths: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !paths.includes(req.path) || !req.is('multipart/form-data')) return next();
    const s = req.ctx.session;
    if (!s || s.role !== 'admin' || s.totp_pending) {
      // The body is not read: the connection ends with the answer instead of waiting for the rest of it.
      res.setHeader('Connection', 'close');
      return next(new AppError('auth.forbidden', 'Administrators only.'));
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 20, fieldSize: 4096 } });
    } catch {
      return next(new AppError('request.invalid_field', 'file: the upload could not be read', { field: 'file' }));
    }
    const body: Record<string, string> = {};
    let failed: AppError | undefined;
    parser.on('field', (name, value) => {
      body[name] = value;
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        failed = new AppError('request.body_too_large', `${name}: the file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`, { field: name });
      });
      stream.on('close', () => {
        body[name] = Buffer.concat(chunks).toString('utf8');
      });
    });
    parser.on('filesLimit', () => {
      failed = new AppError('request.invalid_field', 'file: send one file', { field: 'file' });
    });
    parser.on('error', () => next(new AppError('request.invalid_field', 'file: the upload could not be read', { field: 'file' })));
    parser.on('close', () => {
      if (failed) return next(failed);
      req.body = body;
      next();
    });
    req.pipe(parser);
  };
}
