/** The signed-in partner as every page needs it: name, program, currency, referral code and effective time zone. */
import type { SessionWithAccount } from '../auth/index.js';
import { AppError } from '../common/index.js';

export interface PartnerProfile {
  id: number;
  displayName: string;
  referralCode: string;
  programId: number;
  programName: string;
  currency: string;
  rateBp: number;
  tierGroup: string | null;
  levelOrder: number;
  /** The zone dates are shown and ranges are read in: the partner's choice or the configured default. */
  timeZone: string;
  /** The partner's own setting (null: uses the default). */
  timeZoneSetting: string | null;
  /** The partner's chosen language as stored (null: none chosen; the page's language is `req.ctx.locale`). */
  localeSetting: string | null;
  paypalEmail: string | null;
  contactId: number;
  contactOntraportId: number | null;
  createdAt: number;
}

/**
 * The signed-in partner, from the rows the session lookup already read (no query of its own). A session whose
 * partner no longer exists is refused like a missing sign-in.
 */
export function partnerProfileOf(session: Pick<SessionWithAccount, 'partner'>, defaultTimeZone: string): PartnerProfile {
  const row = session.partner;
  if (!row) throw new AppError('auth.forbidden', 'Your partner record was not found. Please sign in again or contact the program manager.');
  const name = `${row.first_name} ${row.last_name}`.trim();
  return {
    id: row.id,
    displayName: name || row.alias || `Partner ${row.referral_code}`,
    referralCode: row.referral_code,
    programId: row.program_id,
    programName: row.program_name,
    currency: row.currency,
    rateBp: row.rate_bp,
    tierGroup: row.tier_group,
    levelOrder: row.level_order,
    timeZone: validTimeZone(row.time_zone) ? row.time_zone! : defaultTimeZone,
    timeZoneSetting: row.time_zone,
    localeSetting: row.locale,
    paypalEmail: row.paypal_email,
    contactId: row.contact_id,
    contactOntraportId: row.contact_ontraport_id === null ? null : Number(row.contact_ontraport_id),
    createdAt: row.created_at,
  };
}

let zoneList: string[] | undefined;

/** IANA zone names this runtime knows, sorted, with UTC first. */
export function timeZoneNames(): string[] {
  zoneList ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return zoneList;
}

export function validTimeZone(zone: string | null | undefined): boolean {
  if (!zone) return false;
  if (timeZoneNames().includes(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
