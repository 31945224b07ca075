/**
 * Admin: the `partnergate` CLI (src/admin/cli.ts) and the services behind it that the migrations reuse.
 * - Credentials: `issueCredentials` (accounts + one queued "new credentials" email per account, idempotent per
 *   outbox key, journal-aware), `resendCredentials`, `revokeCredentials`, `sendCredentialEmails`.
 * - Partner selection: `selectPartners` (ids, program, group, CSV list, or all; none is a usage error)
 *   and `resolvePartnerList` for CSV partner lists.
 * - Administrators: `createAdmin`, `inviteAdmin`, `listAdmins`, `disableAdmin` (src/admin/admins/).
 * The CLI itself (`src/admin/cli/program.ts`, `runCli`) is not exported here: it imports the migrations, which
 * import this file.
 */
export { issueCredentials, partnerItemKey, type IssueOptions, type IssueResult } from './credentials/issue.js';
export { resendCredentials, revokeCredentials, sendCredentialEmails, type SendReport } from './credentials/manage.js';
export { normaliseEmail, sharedEmails } from './credentials/emails.js';
export { partnerCenterOrigin, setPasswordLinkFor } from './credentials/set-password.js';
export {
  RunAborted, credentialsEmailKey, accountIdOfKey, tally, CREDENTIALS_TEMPLATE,
  type CredentialOutcome, type CredentialRow, type CredentialsDeps, type EmailVariant, type ItemJournal,
} from './credentials/types.js';
export { createAdmin, disableAdmin, inviteAdmin, listAdmins, type AdminChange, type AdminRow } from './admins/admins.js';
export { selectPartners, type PartnerSelector, type Selection } from './selection.js';
export { resolvePartnerList, parseCsv } from './partner-list.js';
export { ExitCode, CliError } from './cli/exit-codes.js';
export { ontraportImporter, type ImportPartners, type ImportSummary } from './adapters.js';
