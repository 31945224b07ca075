/**
 * Promo tools as a partner uses them: each with the partner's tracked link and ready-to-paste code. The code is
 * built as text here and shown escaped on the page (never rendered), so a tool's HTML cannot run in the partner
 * center.
 */
import type { PromoTool } from '../store/index.js';
import type { Db } from './repos/db.js';
import { listPromoTools } from './repos/catalog.repo.js';
import { trackedLink } from './links.js';

export interface PromoToolView {
  id: number;
  kind: PromoTool['kind'];
  name: string;
  link: string;
  /** Banners: absolute image URL when it is http(s), for the preview and the snippet. */
  imageUrl?: string;
  width?: number;
  height?: number;
  subject?: string;
  /** Email body or lightbox HTML with `{link}` replaced by the partner's link. */
  body?: string;
  /** Code to paste into a web page. */
  htmlSnippet?: string;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function absoluteImage(imageUrl: string | null, origin: string): string | undefined {
  if (!imageUrl) return undefined;
  try {
    const u = new URL(imageUrl, origin);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function promoToolView(tool: PromoTool, origin: string, referralCode: string): PromoToolView {
  const link = trackedLink(origin, tool.landing_path || '/', referralCode, { promoToolId: tool.id });
  const withLink = (text: string | null) => (text ?? '').split('{link}').join(link);
  const view: PromoToolView = { id: tool.id, kind: tool.kind, name: tool.name, link };
  if (tool.kind === 'banner') {
    view.imageUrl = absoluteImage(tool.image_url, origin);
    view.width = tool.width ?? undefined;
    view.height = tool.height ?? undefined;
    const size = `${view.width ? ` width="${view.width}"` : ''}${view.height ? ` height="${view.height}"` : ''}`;
    view.htmlSnippet = view.imageUrl
      ? `<a href="${escapeHtml(link)}"><img src="${escapeHtml(view.imageUrl)}"${size} alt="${escapeHtml(tool.name)}"></a>`
      : `<a href="${escapeHtml(link)}">${escapeHtml(tool.name)}</a>`;
  } else if (tool.kind === 'lightbox') {
    const body = withLink(tool.body);
    view.body = body;
    view.htmlSnippet = tool.body?.includes('{link}') ? body : `${body}\n<p><a href="${escapeHtml(link)}">${escapeHtml(tool.name)}</a></p>`;
  } else if (tool.kind === 'email') {
    view.subject = tool.subject ?? '';
    view.body = tool.body?.includes('{link}') ? withLink(tool.body) : `${tool.body ?? ''}\n\n${link}`;
  } else {
    view.htmlSnippet = `<a href="${escapeHtml(link)}">${escapeHtml(tool.name)}</a>`;
  }
  return view;
}

export async function promoToolsFor(db: Db, q: { programId: number; origin: string; referralCode: string }): Promise<Record<PromoTool['kind'], PromoToolView[]>> {
  const tools = await listPromoTools(db, q.programId);
  const out: Record<PromoTool['kind'], PromoToolView[]> = { banner: [], lightbox: [], email: [], link: [] };
  for (const t of tools) out[t.kind]?.push(promoToolView(t, q.origin, q.referralCode));
  return out;
}
