/**
 * QR codes of the partner's own tracked links (the referral link, a SubID link, a page of the site), as SVG or
 * PNG. The caller builds the link from the session's partner and validated input; this only draws it, within
 * bounds: a PNG's width is {@link QR_PNG_WIDTH} limits, and links longer than {@link QR_MAX_LINK} are refused
 * before the encoder sees them (a longer code is too dense to scan off a screen or a flyer).
 */
import QRCode from 'qrcode';

export const QR_PNG_WIDTH = { min: 128, max: 1024, default: 512 } as const;
export const QR_MAX_LINK = 600;
export type QrFormat = 'svg' | 'png';

/** Medium error correction: reads reliably off screens and print; a quiet zone of 4 modules, as the standard asks. */
const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

export async function qrCode(link: string, format: 'svg'): Promise<string>;
export async function qrCode(link: string, format: 'png', width?: number): Promise<Buffer>;
export async function qrCode(link: string, format: QrFormat, width: number = QR_PNG_WIDTH.default): Promise<string | Buffer> {
  if (link.length > QR_MAX_LINK) throw new RangeError(`link longer than ${QR_MAX_LINK} characters`);
  if (format === 'svg') return QRCode.toString(link, { ...OPTIONS, type: 'svg' });
  const w = Math.min(QR_PNG_WIDTH.max, Math.max(QR_PNG_WIDTH.min, Math.round(width)));
  return QRCode.toBuffer(link, { ...OPTIONS, type: 'png', width: w });
}
