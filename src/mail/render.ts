/** Opening an outbox row's parameters and rendering its email from the three templates. */
import { isSealed, unseal, type DataKeyring, type Views } from '../common/index.js';

/** Authenticated data of sealed outbox parameters: they open nowhere else. */
export const PARAMS_PURPOSE = 'email_outbox.params';

/** An outbox row's parameters: opened with the data key, or read as JSON when queued before sealing existed. */
export function emailParams(keys: DataKeyring, paramsJson: string): Record<string, unknown> {
  return JSON.parse(isSealed(paramsJson) ? unseal(keys, paramsJson, PARAMS_PURPOSE) : paramsJson) as Record<string, unknown>;
}

/** Renders an email from its three templates. */
export function renderEmail(views: Views, template: string, params: Record<string, unknown>): { subject: string; text: string; html?: string } {
  const subject = views.render(`emails/${template}.subject`, params).trim();
  const text = views.render(`emails/${template}.text`, params);
  const html = views.has(`emails/${template}.html`) ? views.render(`emails/${template}.html`, params) : undefined;
  return { subject, text, html };
}
