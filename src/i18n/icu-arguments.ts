/** The argument names an ICU message refers to, read from intl-messageformat's parsed form. */
import type { IntlMessageFormat } from 'intl-messageformat';

type MessageFormatElement = ReturnType<IntlMessageFormat['getAst']>[number];

export function argumentNames(ast: readonly MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const el of ast) {
    const node = el as { type: number; value?: unknown; options?: Record<string, { value: MessageFormatElement[] }>; children?: MessageFormatElement[] };
    // Literal (0) and pound (7) carry no name; tags (8) name a tag, not a value, but their children may.
    if (node.type !== 0 && node.type !== 7 && node.type !== 8 && typeof node.value === 'string') into.add(node.value);
    for (const option of Object.values(node.options ?? {})) argumentNames(option.value, into);
    if (node.children) argumentNames(node.children, into);
  }
  return into;
}
