// Namespace-aware checks of response documents with an independent DOM parser (not the server's).
import { DOMParser, Element } from '@xmldom/xmldom';
import assert from 'node:assert/strict';

export function parseDoc(text: string) {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== 'warning') errors.push(msg);
    },
  }).parseFromString(text, 'text/xml');
  assert.deepEqual(errors, [], `response is not well-formed XML:\n${text}`);
  return doc.documentElement!;
}

export function child(el: Element, ns: string | null, local: string): Element {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === local && ((n as Element).namespaceURI ?? null) === ns) return n as Element;
  }
  assert.fail(`<${el.tagName}> has no child {${ns ?? ''}}${local}`);
}

export const childElements = (el: Element): Element[] => {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
};

/** Follows a path of {ns}local steps from the root (whose own name is checked too). */
export function at(root: Element, path: [string | null, string][]): Element {
  const [[ns0, l0], ...rest] = path;
  assert.equal(root.namespaceURI, ns0);
  assert.equal(root.localName, l0);
  return rest.reduce((el, [ns, l]) => child(el, ns, l), root);
}
