/**
 * The one owner of identity: accounts (partners' and administrators'), passwords (argon2id), one-time tokens
 * (one API: issue, peek, consume, expire), the audit log, sessions as rows (opening, reading and ending them in
 * bulk; the cookie and policy are src/auth's), the email rule, credential issuing with set-password links, and
 * administrator accounts, and partners' API keys. Only files in this folder touch the `accounts`, `sessions`,
 * `one_time_tokens`, `audit_log` and `api_keys` tables.
 *
 * src/auth builds the sign-in flows on top of this; src/partners, src/admin (the CLI), src/admin-area (reading
 * the audit log and sign-in facts) and migration/ call it.
 */
export { resolveAccountForEmail, type ResolvedAccount } from './accounts.js';
export { checkEmail, normaliseEmail, enteredEmail, sharedEmails, SharedEmailTally, type EmailCheck } from './email.js';
export * as accountRows from './accounts.repo.js';
export { findAccountById, findStaleTotpSecrets, replaceTotpSecret } from './accounts.repo.js';
export * as sessionRows from './sessions.repo.js';
export { deleteSession, findSessionWithAccount, findStaleRefreshTokens, replaceSessionTokens } from './sessions.repo.js';
export { findAccountWithPartner } from './sessions.repo.js';
export type { AccountWithPartner, SessionPartnerRow, SessionWithAccount } from './sessions.repo.js';
export {
  API_KEY_NAME_MAX, API_KEY_PREFIX, MAX_ACTIVE_API_KEYS, apiKeyView, createApiKey, listApiKeyRows, listApiKeys, revokeAllApiKeys, revokeApiKey, touchApiKey, verifyApiKey,
  type ApiKeyCreation, type ApiKeyRow, type ApiKeyVerdict, type ApiKeyView,
} from './api-keys.js';
export { hashPassword, verifyPassword, passwordProblem } from './passwords.js';
export {
  issueToken, issueTokens, recordSpentToken, peekToken, pendingToken, consumeToken, expireAccountTokens, expireTokensOf, purgeExpiredTokens,
  type IssuedToken, type TokenPurpose,
} from './one-time-tokens.js';
export { recordAudit, type AuditEntry } from './audit.js';
export { accountsOfPartner, knownActions, lastSignIns, listAudit, streamAudit, type AuditFilter, type AuditRow } from './audit-read.repo.js';
export { issueCredentials, partnerItemKey, type IssueOptions, type IssueResult } from './credentials/issue.js';
export { resendCredentials, revokeCredentials, sendCredentialEmails, type SendReport } from './credentials/manage.js';
export { issueSetPasswordToken, partnerCenterOrigin, setPasswordLinkFor } from './credentials/set-password.js';
export {
  RunAborted, credentialsEmailKey, accountIdOfKey, tally, CREDENTIALS_TEMPLATE,
  type CredentialOutcome, type CredentialRow, type CredentialsDeps, type EmailVariant, type ItemJournal,
} from './credentials/types.js';
export { selectPartners, isEmptySelector, type PartnerSelector, type Selection } from './credentials/selection.js';
export { resolvePartnerList, parseCsv, readPartnerListFile } from './credentials/partner-list.js';
export { createAdmin, disableAdmin, inviteAdmin, listAdmins, type AdminChange, type AdminRow } from './admins/admins.js';
export { eraseIdentityOfPartner, erasedEmail, identityDataOfPartner, type IdentityData, type IdentityErasure } from './personal-data.js';
