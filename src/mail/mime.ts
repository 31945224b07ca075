/**
 * Outbox emails as one finished MIME buffer each. nodemailer's composer builds a message as a tree of streams
 * (a header object per part, a base64 stream per body, random boundaries and ids); handed to the socket, each
 * piece became its own write system call. In a CPU profile of a drain that composing and writing was about
 * half of the busy time per email. Our emails are always the same shape (text, optionally html, base64 bodies), so
 * they are written here in one go and handed to nodemailer as `raw`: the pool, TLS, AUTH and dot-stuffing stay
 * nodemailer's.
 *
 * Only plain ASCII recipients go this way (`null` otherwise): an internationalised address or a header value
 * with a line break is left to nodemailer's own encoding.
 */
import addressparser from 'nodemailer/lib/addressparser/index.js';
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js';

// CommonJS, and its functions call each other through `this`: kept as methods of the module object.
const encodeWords = (value: string, encoding: 'Q' | 'B', maxLength: number) => mimeFuncs.encodeWords(value, encoding, maxLength);
const foldLines = (header: string, lineLength: number) => mimeFuncs.foldLines(header, lineLength);
const isPlainText = (value: string) => mimeFuncs.isPlainText(value);

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
}

export interface MimeWriter {
  /** The envelope sender (the address of the From header). */
  envelopeFrom: string;
  /** The message as sent, or null when it needs nodemailer's encoding (non-ASCII address, odd header). */
  build(email: OutgoingEmail, date?: Date): Buffer | null;
}

const SAFE_HEADER_VALUE = /^[^\r\n]*$/;
/** Base64 has no `_`: a boundary holding one can never occur inside a body, so it needs no randomness. */
const BOUNDARY = '--_partnergate_alternative';

/** base64 in lines of 76 characters (RFC 2045). */
function base64Lines(text: string): string {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  if (b64.length <= 76) return b64;
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\r\n');
}

/** A display name as RFC 5322 wants it: bare when it is only words, quoted when it has specials, encoded when not ASCII. */
function displayName(name: string): string {
  if (!isPlainText(name)) return encodeWords(name, 'Q', 52);
  if (/^[\w ]*$/.test(name)) return name;
  return `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** Prepares what is the same in every email (the From header, the envelope sender) once per transport. */
export function createMimeWriter(from: string): MimeWriter {
  // One address with a mailbox, or nodemailer's way (e.g. an unquoted comma makes two senders of it).
  const list = addressparser(from, { flatten: true });
  const parsed = list.length === 1 && list[0]!.address ? list[0] : undefined;
  const address = parsed?.address ?? from;
  const plainFrom = parsed !== undefined && isPlainText(address) && SAFE_HEADER_VALUE.test(from);
  const fromHeader = plainFrom ? foldLines(`From: ${parsed.name ? `${displayName(parsed.name)} <${address}>` : address}`, 76) : '';
  return {
    envelopeFrom: address,
    build(email, date = new Date()) {
      if (!plainFrom || !isPlainText(email.to) || !SAFE_HEADER_VALUE.test(email.to) || !SAFE_HEADER_VALUE.test(email.subject) || !SAFE_HEADER_VALUE.test(email.messageId)) return null;
      const subject = isPlainText(email.subject) ? email.subject : encodeWords(email.subject, 'B', 52);
      const head = [
        fromHeader,
        `To: ${email.to}`,
        foldLines(`Subject: ${subject}`, 76),
        `Message-ID: ${email.messageId}`,
        `Date: ${date.toUTCString().replace(/GMT/, '+0000')}`,
        'MIME-Version: 1.0',
      ];
      const part = (type: string, body: string) => `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(body)}`;
      let message: string;
      if (email.html === undefined) {
        message = `${head.join('\r\n')}\r\n${part('text/plain', email.text)}\r\n`;
      } else {
        head.push(`Content-Type: multipart/alternative; boundary="${BOUNDARY}"`);
        message = `${head.join('\r\n')}\r\n\r\n--${BOUNDARY}\r\n${part('text/plain', email.text)}\r\n--${BOUNDARY}\r\n${part('text/html', email.html)}\r\n--${BOUNDARY}--\r\n`;
      }
      return Buffer.from(message, 'utf8');
    },
  };
}
