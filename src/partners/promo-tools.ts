/**
 * Promo tools as a partner uses them: each with the partner's tracked link and ready-to-paste code. The code is
 * built as text here and shown escaped on the page (never rendered), so a tool's HTML cannot run in the partner
 * center. A lightbox is shipped as the gateway's own script (`templates/assets/lightbox.js`) plus a button whose
 * data attributes carry the partner's link and the texts: the script builds its dialog from those with DOM calls
 * and textContent, never from HTML, so neither the tool nor the partner's page can inject markup through it.
 */
import type { PromoTool } from '../store/index.js';
import { trackedLink } from './links.js';

/** The lightbox script's path on the gateway (served from `templates/assets`, cacheable, public). */
export const LIGHTBOX_SCRIPT_PATH = '/partner-center/assets/lightbox.js';

/** What the lightbox script shows, passed to it as data attributes. */
export interface LightboxContent {
  title: string;
  /** The tool's body as plain text (tags dropped, `{link}` removed: the dialog's own button carries the link). */
  text: string;
  /** An image of the site itself only: the embedded script asks no other host for anything. */
  imageUrl?: string;
}

export interface PromoToolView {
  id: number;
  kind: PromoTool['kind'];
  name: string;
  /** The program the tool was made for; null: every program. */
  programId: number | null;
  link: string;
  /** Banners: absolute image URL when it is http(s), for the preview and the snippet. */
  imageUrl?: string;
  width?: number;
  height?: number;
  subject?: string;
  /** Email body with `{link}` replaced by the partner's link. */
  body?: string;
  /** Lightboxes: the preview's and the embedded script's content. */
  lightbox?: LightboxContent;
  /** Code to paste into a web page. */
  htmlSnippet?: string;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };
/** Longest lightbox text carried in a data attribute. */
const MAX_LIGHTBOX_TEXT = 600;

/** A tool's HTML body as the text a reader sees: tags dropped, the common entities decoded, spaces collapsed. */
export function plainText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\{link\}/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_m, e: string) => ENTITIES[e]!)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_LIGHTBOX_TEXT ? `${text.slice(0, MAX_LIGHTBOX_TEXT - 1)}…` : text;
}

function absoluteImage(imageUrl: string | null, origin: string): string | undefined {
  if (!imageUrl) return undefined;
  try {
    const u = new URL(imageUrl, origin);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The button and script tag a partner pastes: every value an escaped attribute, the script the gateway's file. */
function lightboxSnippet(content: LightboxContent, link: string, origin: string): string {
  const attrs = [
    'data-partnergate-lightbox',
    `data-link="${escapeHtml(link)}"`,
    `data-title="${escapeHtml(content.title)}"`,
    `data-text="${escapeHtml(content.text)}"`,
    ...(content.imageUrl ? [`data-image="${escapeHtml(content.imageUrl)}"`] : []),
  ];
  return `<button type="button" ${attrs.join(' ')}>${escapeHtml(content.title)}</button>\n<script src="${escapeHtml(origin + LIGHTBOX_SCRIPT_PATH)}" defer></script>`;
}

export function promoToolView(tool: PromoTool, origin: string, referralCode: string): PromoToolView {
  const link = trackedLink(origin, tool.landing_path || '/', referralCode, { promoToolId: tool.id });
  const withLink = (text: string | null) => (text ?? '').split('{link}').join(link);
  const view: PromoToolView = { id: tool.id, kind: tool.kind, name: tool.name, programId: tool.program_id, link };
  if (tool.kind === 'banner') {
    view.imageUrl = absoluteImage(tool.image_url, origin);
    view.width = tool.width ?? undefined;
    view.height = tool.height ?? undefined;
    const size = `${view.width ? ` width="${view.width}"` : ''}${view.height ? ` height="${view.height}"` : ''}`;
    view.htmlSnippet = view.imageUrl
      ? `<a href="${escapeHtml(link)}"><img src="${escapeHtml(view.imageUrl)}"${size} alt="${escapeHtml(tool.name)}"></a>`
      : `<a href="${escapeHtml(link)}">${escapeHtml(tool.name)}</a>`;
  } else if (tool.kind === 'lightbox') {
    const image = absoluteImage(tool.image_url, origin);
    const content: LightboxContent = { title: tool.name, text: plainText(tool.body ?? '') };
    if (image && new URL(image).origin === origin) content.imageUrl = image;
    view.lightbox = content;
    view.htmlSnippet = lightboxSnippet(content, link, origin);
  } else if (tool.kind === 'email') {
    view.subject = tool.subject ?? '';
    view.body = tool.body?.includes('{link}') ? withLink(tool.body) : `${tool.body ?? ''}\n\n${link}`;
  } else {
    view.htmlSnippet = `<a href="${escapeHtml(link)}">${escapeHtml(tool.name)}</a>`;
  }
  return view;
}
