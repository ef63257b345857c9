// A small, strict, hostile-input-safe XML reader: parses a whole document into a light element
// tree with positions. DTDs are refused outright (no entity can ever be declared, so none can be
// expanded or fetched), and depth, element count and attribute count are bounded.
import type { SaxesParser, SaxesTagNS } from 'saxes';
import { XMLNS_NS } from './constants';
import { parseCommonXml } from './fastxml';

export interface XmlAttribute {
  local: string;
  ns: string;
  value: string;
}

export interface XmlElement {
  local: string;
  ns: string;
  /** The qualified name as written. */
  qname: string;
  attrs: XmlAttribute[];
  children: XmlElement[];
  /** Direct character data (text and CDATA), concatenated. */
  text: string;
  /** 1-based position of the element's name, as .NET's XmlReader reports it. */
  line: number;
  col: number;
  /** 1-based position just after the end tag: where a reader stands once it has read the element. */
  endLine: number;
  endCol: number;
}

export class XmlSyntaxError extends Error {}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 48, maxElements: 5000, maxAttributes: 64 };


/**
 * One saxes parser, its handlers bound once and reused for every document: setting a parser up
 * costs several times more than parsing a small envelope. Parsing is synchronous, so one
 * instance per process is enough; after an error the parser is replaced, as its state is spent.
 */
class TreeBuilder {
  private parser!: SaxesParser<{ xmlns: true; position: true }>;
  private limits: XmlLimits = DEFAULT_XML_LIMITS;
  private stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  private elements = 0;
  private startLine = 0;
  private startCol = 0;
  private ends: [XmlElement, number][] = [];

  constructor() {
    this.reset();
  }

  private reset(): void {
    // XML 1.0 only, as .NET's XmlReader: 1.1 would let control characters in that no 1.0 answer can carry.
    // saxes is loaded with the first document the fast path declines: start-up need not wait for it.
    const { SaxesParser } = require('saxes') as typeof import('saxes');
    const parser = new SaxesParser({ xmlns: true, position: true, defaultXMLVersion: '1.0', forceXMLVersion: true });
    // No 'error' handler: without one saxes throws, which parse() turns into XmlSyntaxError. A
    // seventh handler would also push the parser object into V8's slow dictionary mode (4x slower).
    parser.on('doctype', () => {
      throw new XmlSyntaxError('For security reasons DTD is prohibited in this XML document.');
    });
    parser.on('opentagstart', (tag) => {
      this.startLine = parser.line;
      this.startCol = parser.column - tag.name.length;
      if (++this.elements > this.limits.maxElements) throw new XmlSyntaxError('too many elements');
      if (this.stack.length >= this.limits.maxDepth) throw new XmlSyntaxError('elements nested too deeply');
    });
    parser.on('opentag', (tag: SaxesTagNS) => {
      const attrs: XmlAttribute[] = [];
      let count = 0;
      for (const key in tag.attributes) {
        if (++count > this.limits.maxAttributes) throw new XmlSyntaxError('too many attributes');
        const a = tag.attributes[key]!;
        if (a.uri === XMLNS_NS || a.name === 'xmlns') continue;
        attrs.push({ local: a.local, ns: a.uri, value: a.value });
      }
      const el: XmlElement = {
        local: tag.local,
        ns: tag.uri,
        qname: tag.name,
        attrs,
        children: [],
        text: '',
        line: this.startLine,
        col: this.startCol,
        endLine: 0,
        endCol: 0,
      };
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.children.push(el);
      else this.root = el;
      this.stack.push(el);
    });
    parser.on('closetag', () => {
      const el = this.stack.pop()!;
      el.endLine = parser.line;
      el.endCol = parser.column + 1;
      this.ends.push([el, parser.position]);
    });
    const onText = (t: string) => {
      const top = this.stack[this.stack.length - 1];
      if (top) top.text += t;
    };
    parser.on('text', onText);
    parser.on('cdata', onText);
    this.parser = parser;
  }

  parse(source: string, limits: XmlLimits): XmlElement {
    this.limits = limits;
    this.stack = [];
    this.root = undefined;
    this.elements = 0;
    this.ends = [];
    try {
      this.parser.write(source).close();
    } catch (err) {
      this.reset();
      if (err instanceof XmlSyntaxError) throw err;
      throw new XmlSyntaxError((err as Error).message);
    }
    const root = this.root;
    if (!root) throw new XmlSyntaxError('Root element is missing.');
    // .NET's XmlReader reports a tag's position at its name, past '<' or '</'.
    for (const [el, offset] of this.ends) {
      if (source[offset] === '<') el.endCol += source[offset + 1] === '/' ? 2 : 1;
    }
    this.stack = [];
    this.root = undefined;
    this.ends = [];
    return root;
  }
}

let builder: TreeBuilder | undefined;

/** Parses with the full reader (saxes) only. */
export function parseXmlFull(source: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return (builder ??= new TreeBuilder()).parse(source, limits);
}

/** Parses a document: common envelopes take the one-pass fast path, all else the full reader. */
export function parseXml(source: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return parseCommonXml(source, limits) ?? (builder ??= new TreeBuilder()).parse(source, limits);
}

export const attr = (el: XmlElement, ns: string, local: string): string | undefined =>
  el.attrs.find((a) => a.local === local && a.ns === ns)?.value;

/** Characters XML 1.0 cannot carry at all (not even as references), and lone surrogates. */
const NOT_XML10 = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Escapes character data and attribute values. Text that reached us some other way (the admin
 * API) could hold characters XML 1.0 forbids; they become U+FFFD so every answer stays well-formed.
 */
export function escapeXml(s: string): string {
  return s
    .replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
    .replace(NOT_XML10, '\uFFFD');
}
