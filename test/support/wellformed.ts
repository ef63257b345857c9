// An independent well-formedness check of answers (not the server's parser): xmldom for structure,
// plus the XML 1.0 Char production, which xmldom does not enforce.
import { DOMParser, Element } from '@xmldom/xmldom';

// Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
const NOT_XML10_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export type Parsed = { ok: true; root: Element } | { ok: false; why: string };

export function parseStrict(text: string): Parsed {
  const bad = NOT_XML10_CHAR.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { ok: false, why: `character U+${cp} (not allowed in XML 1.0) at offset ${bad.index}` };
  }
  const errors: string[] = [];
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') errors.push(msg);
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
  if (errors.length) return { ok: false, why: errors[0]! };
  if (!doc.documentElement) return { ok: false, why: 'no root element' };
  return { ok: true, root: doc.documentElement };
}

export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** Decodes UTF-8 strictly; null when the bytes are not UTF-8. */
export function utf8(buf: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return null;
  }
}
