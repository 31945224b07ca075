/**
 * A partner's data rights: "download my data" (`partnerDataZip`: a zip of JSON and CSV, streamed) and erasure
 * (`erasePartner`: personal data replaced, every way in ended, accounting kept, a tombstone, `partner_erasures`,
 * that the Ontraport sync honours). Identity's part of both lives in src/accounts (personal-data.ts).
 * docs/data-rights.md says what is kept and what stays in Ontraport and WordPress.
 */
export { partnerDataZip, type DownloadInput } from './download.js';
export { erasePartner, erasedEmail, type EraseInput, type ErasureReport } from './erase.js';
