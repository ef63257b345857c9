// The fast path of the XML reader: one pass over the common subset of XML that SOAP clients send
// (ASCII, no DTD, comments, processing instructions, CDATA or references, LF line ends). It gives
// the very tree the full reader (saxes, in xml.ts) would give, or null the moment it meets anything
// outside that subset, valid or not; the full reader then decides, errors included. So this file
// never judges a document, it only recognises easy ones. test/xml-fastpath.test.ts checks the
// "same tree" claim against saxes on real client envelopes, generated documents and mutations.
import { XMLNS_NS, XML_NS } from './constants';
import type { XmlAttribute, XmlElement, XmlLimits } from './xml';

const TAB = 9;
const LF = 10;
const SPACE = 32;
const QUOTE = 34;
const AMP = 38;
const APOS = 39;
const SLASH = 47;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const BANG = 33;
const QMARK = 63;
const DEL = 127;

/** Namespace declarations in scope at once beyond which the full reader takes the document. */
const MAX_DECLARATIONS = 32;

/** ASCII name characters: 1 = may start a name part, 2 = may continue one. */
const NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) NAME[c] = 1;
  else if (/[0-9.-]/.test(ch)) NAME[c] = 2;
}

/** The XML declaration forms taken here; any other `<?` goes to the full reader. */
const DECLARATION = /^<\?xml version=(["'])1\.0\1(?: encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?: standalone=(["'])(?:yes|no)\3)? ?\?>/;

/** The end of an ASCII QName starting at `i` (`name` or `prefix:name`), or -1. */
function scanName(s: string, i: number): number {
  let c = s.charCodeAt(i);
  if (!(c < 128 && NAME[c] === 1)) return -1;
  let colon = false;
  for (i++; ; i++) {
    c = s.charCodeAt(i);
    if (c < 128 && NAME[c] !== 0) continue;
    if (c !== COLON || colon) return i;
    // One colon, between two non-empty parts, the second starting as a name does.
    colon = true;
    c = s.charCodeAt(i + 1);
    if (!(c < 128 && NAME[c] === 1)) return -1;
  }
}

/**
 * Parses `source` if it lies in the common subset; null otherwise (the caller then uses the full
 * reader). Also null when a limit would be exceeded, so the full reader reports it.
 */
export function parseCommonXml(source: string, limits: XmlLimits): XmlElement | null {
  const s = source;
  const n = s.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  if (s.charCodeAt(0) === LT && s.charCodeAt(1) === QMARK) {
    const decl = DECLARATION.exec(s);
    if (decl === null) return null;
    i = decl[0].length;
  }

  // In-scope namespace declarations, the first `declared` of them, innermost last; `marks` holds
  // each open element's start in them. (Counts, not array lengths: setting a length is slow.)
  const prefixes: string[] = [];
  const uris: string[] = [];
  const marks: number[] = [];
  let declared = 0;
  const resolve = (prefix: string): string | undefined => {
    for (let k = declared - 1; k >= 0; k--) if (prefixes[k] === prefix) return uris[k];
    return prefix === '' ? '' : undefined;
  };

  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  // Scratch lists for one tag's attributes, the first `count` of them.
  const names: string[] = [];
  const values: string[] = [];
  let count = 0;

  while (true) {
    // Between tags: character data inside the root, only whitespace outside it.
    const top = stack.length > 0 ? stack[stack.length - 1]! : null;
    const from = i;
    let c = 0;
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      if (c === LT) break;
      if (c === LF) {
        line++;
        lineStart = i + 1;
      } else if (top === null) {
        if (c !== SPACE && c !== TAB) return null;
      } else if (c < SPACE ? c !== TAB : c >= DEL || c === AMP || c === GT) {
        return null;
      }
    }
    if (top !== null && i > from) top.text += s.slice(from, i);
    if (i >= n) return top === null && root !== null ? root : null;
    // At '<'.
    if (top === null && root !== null) return null; // a second root, or a comment/PI after it
    c = s.charCodeAt(i + 1);
    if (c === BANG || c === QMARK) return null;

    if (c === SLASH) {
      if (top === null) return null;
      const end = scanName(s, i + 2);
      if (end < 0 || s.slice(i + 2, end) !== top.qname) return null;
      for (i = end; ; i++) {
        c = s.charCodeAt(i);
        if (c === SPACE || c === TAB) continue;
        if (c !== LF) break;
        line++;
        lineStart = i + 1;
      }
      if (c !== GT) return null;
      close(top, i);
      stack.pop();
      declared = marks.pop()!;
      i++;
      continue;
    }

    // An open tag. Positions as the full reader reports them: the column of the name, taken on
    // the character after it (so a name ended by a line feed is left to the full reader).
    const nameEnd = scanName(s, i + 1);
    if (nameEnd < 0) return null;
    c = s.charCodeAt(nameEnd);
    if (c !== SPACE && c !== TAB && c !== GT && c !== SLASH) return null;
    if (++elements > limits.maxElements || stack.length >= limits.maxDepth) return null;
    const qname = s.slice(i + 1, nameEnd);
    const startLine = line;
    const startCol = i + 2 - lineStart;

    count = 0;
    let selfClosing = false;
    i = nameEnd;
    while (true) {
      let spaced = false;
      for (; ; i++) {
        c = s.charCodeAt(i);
        if (c === SPACE || c === TAB) spaced = true;
        else if (c === LF) {
          spaced = true;
          line++;
          lineStart = i + 1;
        } else break;
      }
      if (c === GT) break;
      if (c === SLASH) {
        if (s.charCodeAt(i + 1) !== GT) return null;
        selfClosing = true;
        i++;
        break;
      }
      if (!spaced) return null;
      const attrEnd = scanName(s, i);
      if (attrEnd < 0 || s.charCodeAt(attrEnd) !== EQ) return null;
      const q = s.charCodeAt(attrEnd + 1);
      if (q !== QUOTE && q !== APOS) return null;
      let j = attrEnd + 2;
      for (; j < n; j++) {
        c = s.charCodeAt(j);
        if (c === q) break;
        if (c < SPACE || c >= DEL || c === LT || c === AMP) return null;
      }
      if (j >= n) return null;
      if (count + 1 > limits.maxAttributes) return null; // as the full reader counts: ++count > max
      names[count] = s.slice(i, attrEnd);
      values[count] = s.slice(attrEnd + 2, j);
      count++;
      i = j + 1;
    }
    // Now at the tag's '>'.

    marks.push(declared);
    for (let k = 0; k < count; k++) {
      const name = names[k]!;
      let prefix: string;
      if (name === 'xmlns') prefix = '';
      else if (name.startsWith('xmlns:')) prefix = name.slice(6);
      else continue;
      const uri = values[k]!;
      // The full reader trims namespace names and refuses the reserved ones; leave all that to it.
      if (uri.includes(' ') || uri === XMLNS_NS || uri === XML_NS || prefix === 'xml' || prefix === 'xmlns') return null;
      if (prefix !== '' && uri === '') return null;
      // Lookups walk the declarations in scope; real envelopes have a handful, so a document with
      // many is left to saxes rather than made to cost (depth x attributes) per name.
      if (declared === MAX_DECLARATIONS) return null;
      prefixes[declared] = prefix;
      uris[declared] = uri;
      declared++;
    }

    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    if (prefix === 'xml' || prefix === 'xmlns') return null;
    const ns = resolve(prefix);
    if (ns === undefined) return null;

    const attrs: XmlAttribute[] = [];
    for (let k = 0; k < count; k++) {
      const name = names[k]!;
      for (let m = 0; m < k; m++) if (names[m] === name) return null;
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const ac = name.indexOf(':');
      if (ac < 0) {
        attrs.push({ local: name, ns: '', value: values[k]! });
        continue;
      }
      const ap = name.slice(0, ac);
      if (ap === 'xml') return null;
      const uri = resolve(ap);
      if (uri === undefined) return null;
      const local = name.slice(ac + 1);
      for (const a of attrs) if (a.local === local && a.ns === uri) return null;
      attrs.push({ local, ns: uri, value: values[k]! });
    }

    const el: XmlElement = {
      local: colon < 0 ? qname : qname.slice(colon + 1),
      ns,
      qname,
      attrs,
      children: [],
      text: '',
      line: startLine,
      col: startCol,
      endLine: 0,
      endCol: 0,
    };
    if (top !== null) top.children.push(el);
    else root = el;
    if (selfClosing) {
      close(el, i);
      declared = marks.pop()!;
    } else stack.push(el);
    i++;
  }

  /** Where a reader stands after the end tag whose '>' is at `gt` (see TreeBuilder.parse). */
  function close(el: XmlElement, gt: number): void {
    el.endLine = line;
    let col = gt - lineStart + 2;
    if (s.charCodeAt(gt + 1) === LT) col += s.charCodeAt(gt + 2) === SLASH ? 2 : 1;
    el.endCol = col;
  }
}
