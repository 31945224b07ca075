/**
 * The one email rule. An address is trimmed and lower-cased (accounts are unique on the lower-cased address) and
 * checked strictly enough to refuse what a mail server would bounce or what is clearly not an address (spaces,
 * two @, no domain, a domain without a dot, `..`). Three views of the same rule:
 * - `checkEmail`: with the reason in words (credentials, partner lists, legacy users);
 * - `normaliseEmail`: the stored and compared form, or undefined (sign-in, accounts, email changes);
 * - `enteredEmail`: what a person typed, trimmed but with its case kept (a PayPal address is sent as entered).
 */

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

export function checkEmail(raw: string | null | undefined): EmailCheck {
  const shown = JSON.stringify(String(raw ?? '').slice(0, 80));
  const email = (raw ?? '').trim().toLowerCase();
  if (!email) return { ok: false, reason: 'no email address' };
  if (email.length > 254) return { ok: false, reason: `email ${shown} is longer than 254 characters` };
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.indexOf('@') !== at) return { ok: false, reason: `email ${shown} is not an address (needs exactly one @ with a name before it)` };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return { ok: false, reason: `email ${shown} has an invalid name part` };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !/^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(labels.at(-1)!)) {
    return { ok: false, reason: `email ${shown} has an invalid domain` };
  }
  return { ok: true, email };
}

/** The address as accounts store and compare it, or undefined when it is not one. */
export function normaliseEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const check = checkEmail(raw);
  return check.ok ? check.email : undefined;
}

/** The address as the person typed it (trimmed, case kept), or undefined when it is not one. */
export function enteredEmail(raw: unknown): string | undefined {
  return normaliseEmail(raw) === undefined ? undefined : (raw as string).trim();
}

/**
 * Valid email -> the ids of the items sharing it, for the emails more than one item has (and only those): one
 * pass, with a single-id map for the rest, so 100,000 distinct emails cost no 100,000 arrays. Items may be added
 * a page at a time (`add`), so the list itself never needs to be in memory.
 */
export class SharedEmailTally {
  private readonly first = new Map<string, number>();
  readonly shared = new Map<string, number[]>();

  add(raw: string | null, id: number): void {
    const check = checkEmail(raw);
    if (!check.ok) return;
    const list = this.shared.get(check.email);
    if (list) list.push(id);
    else if (this.first.has(check.email)) this.shared.set(check.email, [this.first.get(check.email)!, id]);
    else this.first.set(check.email, id);
  }
}

/** `SharedEmailTally` over a list held in memory. */
export function sharedEmails<T>(items: Iterable<T>, emailOf: (item: T) => string | null, idOf: (item: T) => number): Map<string, number[]> {
  const tally = new SharedEmailTally();
  for (const item of items) tally.add(emailOf(item), idOf(item));
  return tally.shared;
}
