// The XML fast path (server/soap/fastxml.ts) claims: whenever it returns a tree, the full reader
// (saxes) accepts the same document and builds the identical tree, positions included; anything
// else it leaves to the full reader by returning null. Checked here differentially on the
// envelopes real clients send, on generated documents in and around the subset, and on random
// mutations of real envelopes. Each property also counts how often the fast path took the
// document, so it cannot pass by always declining.
// Replay: FAST_XML_SEED=<seed> node --import tsx --test test/xml-fastpath.test.ts
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommonXml } from '../server/soap/fastxml';
import { DEFAULT_XML_LIMITS, XmlElement, XmlLimits, parseXml, parseXmlFull } from '../server/soap/xml';
import { API_NS, SOAP11, SOAP12, XSD, XSI } from './support/constants';

const SEED = process.env['FAST_XML_SEED'] ? Number(process.env['FAST_XML_SEED']) : 20261128;

const full = (doc: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement | Error => {
  try {
    return parseXmlFull(doc, limits);
  } catch (err) {
    return err as Error;
  }
};

/** The claim, for one document: null, or exactly what the full reader builds. Returns whether the fast path took it. */
function agrees(doc: string, limits: XmlLimits = DEFAULT_XML_LIMITS): boolean {
  const fast = parseCommonXml(doc, limits);
  if (fast === null) return false;
  const slow = full(doc, limits);
  if (slow instanceof Error) assert.fail(`fast path accepted what the full reader refuses (${slow.message}):\n${JSON.stringify(doc)}`);
  assert.deepStrictEqual(fast, slow, `trees differ for:\n${JSON.stringify(doc)}`);
  return true;
}

const metadata = (prefix: string, id: string, nl = '') =>
  [
    ['WorkflowSpaceId', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['WorkflowSpaceName', 'Finance'],
    ['WorkflowId', '7c9e6679-7425-40de-944b-e07fc1f90ae7'],
    ['WorkflowName', 'Invoices'],
    ['WorkflowInstanceId', '123456'],
    ['ActivityId', '16fd2706-8baf-433b-82eb-8c7fada847da'],
    ['ActivityName', 'OCR'],
    ['ActivityInstanceId', '654321'],
    ['CallerId', '42'],
    ['MasterWorkflowInstanceId', id],
  ]
    .map(([k, v]) => `${nl}<${prefix}${k}>${v}</${prefix}${k}>`)
    .join('');

const fileBatch = (p: string) =>
  `<${p}TimeOut>300</${p}TimeOut><${p}ExternalContext>ctx-42 / order 7</${p}ExternalContext><${p}InputFile><${p}Connection>share</${p}Connection>` +
  `<${p}RelativeLocation>in/2026</${p}RelativeLocation><${p}FileName>invoice.pdf</${p}FileName></${p}InputFile><${p}OCRProfile>Default</${p}OCRProfile>` +
  `<${p}OutputFile xsi:nil="true" /><${p}PutModel>Replace</${p}PutModel>`;

/** Envelopes in the styles real toolkits write them (the shapes seen on the wire in the client tests). */
const CLIENT_ENVELOPES: Record<string, string> = {
  // .NET SoapHttpClientProtocol (and the vendor's sample, unindented)
  dotnet11:
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">` +
    `<soap:Header><ActivityMetadata xmlns="${API_NS}">${metadata('', '1001')}</ActivityMetadata></soap:Header>` +
    `<soap:Body><GetStatus xmlns="${API_NS}" /></soap:Body></soap:Envelope>`,
  dotnet12:
    `<?xml version="1.0" encoding="utf-8"?><soap12:Envelope xmlns:xsi="${XSI}" xmlns:xsd="${XSD}" xmlns:soap12="${SOAP12}">` +
    `<soap12:Header><ActivityMetadata xmlns="${API_NS}"><MasterWorkflowInstanceId>9007199254740993</MasterWorkflowInstanceId></ActivityMetadata></soap12:Header>` +
    `<soap12:Body><GetStatus xmlns="${API_NS}" /></soap12:Body></soap12:Envelope>`,
  dotnetFileBatch:
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">` +
    `<soap:Body><FileBatch xmlns="${API_NS}">${fileBatch('')}</FileBatch></soap:Body></soap:Envelope>`,
  // The vendor page's sample, indented with LF
  vendorIndented:
    `<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:xsi="${XSI}" xmlns:xsd="${XSD}" xmlns:soap="${SOAP11}">\n  <soap:Header>\n` +
    `    <ActivityMetadata xmlns="${API_NS}">${metadata('', '1001', '\n      ')}\n    </ActivityMetadata>\n  </soap:Header>\n` +
    `  <soap:Body>\n    <GetStatus xmlns="${API_NS}" />\n  </soap:Body>\n</soap:Envelope>`,
  // zeep (lxml): single-quoted declaration, soap-env and ns0 prefixes
  zeep11:
    `<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope xmlns:soap-env="${SOAP11}"><soap-env:Header>` +
    `<ns0:ActivityMetadata xmlns:ns0="${API_NS}">${metadata('ns0:', '1001')}</ns0:ActivityMetadata></soap-env:Header>` +
    `<soap-env:Body><ns0:GetStatus xmlns:ns0="${API_NS}"/></soap-env:Body></soap-env:Envelope>`,
  zeepFileBatch:
    `<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope xmlns:soap-env="${SOAP12}"><soap-env:Body>` +
    `<ns0:FileBatch xmlns:ns0="${API_NS}" xmlns:xsi="${XSI}">${fileBatch('ns0:')}</ns0:FileBatch></soap-env:Body></soap-env:Envelope>`,
  // node-soap: tns prefix declared on the envelope, no declaration spacing quirks
  nodeSoap:
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11}" xmlns:tns="${API_NS}">` +
    `<soap:Header><tns:ActivityMetadata>${metadata('tns:', '1001')}</tns:ActivityMetadata></soap:Header>` +
    `<soap:Body><tns:GetStatus></tns:GetStatus></soap:Body></soap:Envelope>`,
  // gSOAP: upper-case prefixes, mustUnderstand as a prefixed attribute, UTF-8 in capitals
  gsoap:
    `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP11}" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" ` +
    `xmlns:xsi="${XSI}" xmlns:xsd="${XSD}" xmlns:ns1="${API_NS}"><SOAP-ENV:Header><ns1:ActivityMetadata SOAP-ENV:mustUnderstand="1">` +
    `${metadata('ns1:', '1001')}</ns1:ActivityMetadata></SOAP-ENV:Header><SOAP-ENV:Body><ns1:GetStatus></ns1:GetStatus></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`,
  // The benchmark's envelope; no declaration at all
  bench: `<soap:Envelope xmlns:soap="${SOAP11}"><soap:Header><ActivityMetadata xmlns="${API_NS}"><MasterWorkflowInstanceId>1001</MasterWorkflowInstanceId></ActivityMetadata></soap:Header><soap:Body><GetStatus xmlns="${API_NS}" /></soap:Body></soap:Envelope>`,
};

describe('XML fast path', () => {
  it('takes every client envelope style and builds the full reader\'s tree, positions included', () => {
    for (const [name, doc] of Object.entries(CLIENT_ENVELOPES)) {
      assert.ok(agrees(doc), `${name} did not take the fast path`);
    }
  });

  it('leaves everything outside the subset to the full reader (null), valid or not', () => {
    const outside = [
      `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, // DTD
      `<a><!-- note --></a>`, // comment
      `<a><![CDATA[x]]></a>`, // CDATA
      `<a>&amp;</a>`, // reference
      `<a>caf\u00e9</a>`, // non-ASCII
      `\uFEFF<a/>`, // BOM
      `<a>x\r\ny</a>`, // CR
      `<a b="x\ty"/>`, // tab in an attribute value (normalised by a full reader)
      `<a xmlns:p=" urn:x "><p:b/></a>`, // namespace name with spaces (trimmed by saxes)
      `<?xml version="1.1"?><a/>`,
      `<a\n/>`, // line feed right after a name (positions differ)
      `<a>x > y</a>`,
      `<a b = "1"/>`,
      `<?pi x?><a/>`,
      `<a/><!-- after -->`,
    ];
    for (const doc of outside) assert.equal(parseCommonXml(doc, DEFAULT_XML_LIMITS), null, JSON.stringify(doc));
    // ...and the reader as a whole still answers them through saxes.
    assert.equal(parseXml(`<a>&amp;</a>`).text, '&');
    assert.equal(parseXml(`<a>x\r\ny</a>`).text, 'x\ny');
  });

  it('never accepts a malformed document (each is null, and the full reader refuses it)', () => {
    const malformed = [
      '',
      'x',
      '<a>',
      '<a></b>',
      '<a/><b/>',
      '<a b="1" b="2"/>',
      '<a xmlns:p="urn:x" xmlns:q="urn:x" p:b="1" q:b="2"/>',
      '<p:a/>',
      '<a p:b="1"/>',
      '<a:b:c/>',
      '<a b="1"c="2"/>',
      '<a b="1/>',
      '<a b=1/>',
      '<a xmlns:p=""/>',
      '<xmlns:a/>',
      '<a xmlns="http://www.w3.org/2000/xmlns/"/>',
      '<a></a >x',
      ' <?xml version="1.0"?><a/>',
      '<a>\u0001</a>',
      '<a / >',
      '</a>',
    ];
    for (const doc of malformed) {
      assert.equal(parseCommonXml(doc, DEFAULT_XML_LIMITS), null, JSON.stringify(doc));
      assert.ok(full(doc) instanceof Error, `saxes accepted ${JSON.stringify(doc)}`);
    }
  });

  it('declines documents over the limits, so the full reader reports them', () => {
    const limits: XmlLimits = { maxDepth: 3, maxElements: 4, maxAttributes: 2 };
    assert.equal(parseCommonXml('<a><b><c><d/></c></b></a>', limits), null);
    assert.equal(parseCommonXml('<a><b/><b/><b/><b/></a>', limits), null);
    assert.equal(parseCommonXml('<a x="1" y="2" z="3"/>', limits), null);
    assert.ok(agrees('<a><b><c/></b></a>', limits));
    assert.ok(agrees('<a><b/><b/><b/></a>', limits));
    assert.ok(agrees('<a x="1" y="2"/>', limits));
    // Many namespace declarations in scope: saxes takes them (each name lookup would walk them all).
    const decls = (n: number) => Array.from({ length: n }, (_, k) => ` xmlns:p${k}="urn:${k}"`).join('');
    assert.ok(agrees(`<a${decls(32)}><p31:b/></a>`));
    assert.equal(parseCommonXml(`<a${decls(33)}><p32:b/></a>`, DEFAULT_XML_LIMITS), null);
    assert.equal(parseXml(`<a${decls(33)}><p32:b/></a>`).children[0]!.ns, 'urn:32');
    // Counted as the full reader counts, whatever the limit's value.
    for (const maxAttributes of [1.5, -1, 0]) assert.equal(parseCommonXml('<a x="1" y="2"/>', { ...limits, maxAttributes }), null);
  });

  it('generated documents in and around the subset: the same tree whenever it answers', (t) => {
    // Each choice is mostly inside the subset, sometimes just outside it (valid or not).
    const mostly = (good: string[], bad: string[]) =>
      fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
    const uri = mostly(['urn:a', 'urn:b', API_NS, ''], [' urn:a', 'http://www.w3.org/2000/xmlns/', 'http://www.w3.org/XML/1998/namespace', 'a&amp;b']);
    const prefix = mostly(['', '', '', 'p', 'p', 'q'], ['soap-env', 'xml', 'xmlns', 'undeclared']);
    const local = mostly(['a', 'b', 'Envelope', 'x-y', 'n.1', '_u', 'ns0', 'A1'], ['1a', 'a:b', '\u00e9', '', '-a']);
    const space = mostly([' ', ' ', ' ', '  ', '\t', '\n\t'], ['', '\r\n']);
    const quote = fc.constantFrom('"', '"', "'");
    const value = mostly(['1', 'true', '', 'a b', "it's", 'x>y', 'say "hi"'], ['a&amp;b', 'a<b', 'a\tb', 'a\nb', '\u00e9']);
    const text = mostly(['x', 'hello world', ' ', '\n  ', '\t', '42', ''], ['&amp;', '&', '>', ']]>', '\u00e9', '\u0001', '\r\n', '<!-- c -->', '<![CDATA[y]]>', '<?pi x?>']);
    const qn = (p: string, l: string) => (p ? `${p}:${l}` : l);
    const attribute = fc.oneof(
      { weight: 2, arbitrary: fc.tuple(prefix, uri, quote).map(([p, u, q]) => (p ? `xmlns:${p}=${q}${u}${q}` : `xmlns=${q}${u}${q}`)) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('', '', 'p', 'q', 'xml', 'undeclared'), local, quote, value).map(([p, l, q, v]) => `${qn(p, l)}=${q}${v.replaceAll(q, '')}${q}`) },
    );
    const tree = fc.letrec<{ node: string }>((tie) => ({
      node: fc
        .tuple(
          prefix,
          local,
          fc.array(fc.tuple(space, attribute), { maxLength: 3 }),
          space,
          fc.array(fc.oneof({ maxDepth: 4, depthIdentifier: 'tree' }, { weight: 3, arbitrary: text }, { weight: 2, arbitrary: tie('node') }), { maxLength: 4 }),
          fc.boolean(),
          mostly(['', '', ' ', '\n'], ['x']),
        )
        .map(([p, l, attrs, sp, content, selfClose, closeSpace]) => {
          const name = qn(p, l);
          const open = `<${name}${attrs.map(([s, a]) => s + a).join('')}${sp === '\r\n' ? '' : sp}`;
          if (selfClose && content.length === 0) return `${open}/>`;
          return `${open}>${content.join('')}</${name}${closeSpace}>`;
        }),
    })).node;
    const declaration = mostly(
      ['', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0' encoding='UTF-8'?>\n", '<?xml version="1.0" encoding="utf-8" standalone="yes" ?>'],
      ['<?xml version="1.1"?>', '<?xml  version="1.0"?>', ' <?xml version="1.0"?>', '<?xml version="1.0" encoding="1utf"?>', '<?xml version="1.0" standalone="maybe"?>'],
    );
    const around = mostly(['', '', '\n', ' \t\n'], ['<!-- c -->', 'x', '<r/>']);
    const withRootNs = fc.boolean();
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(declaration, around, tree, around, withRootNs, (d, before, root, after, ns) => {
        runs++;
        // Usually declare p and q on the root, so most documents resolve.
        const doc = d + before + (ns ? root.replace(/^<([^\s/>]+)/, `<$1 xmlns:p="urn:p" xmlns:q="urn:q"`) : root) + after;
        if (agrees(doc)) taken++;
      }),
      { seed: SEED, numRuns: 20_000 },
    );
    t.diagnostic(`seed ${SEED}: the fast path took ${taken} of ${runs} generated documents`);
    assert.ok(taken > runs * 0.05, `the fast path took only ${taken} of ${runs} generated documents`);
  });

  it('random mutations of client envelopes: the same tree whenever it answers', (t) => {
    const docs = Object.values(CLIENT_ENVELOPES);
    const alphabet = ['<', '>', '/', '"', "'", '=', ':', ' ', '\n', '\r', '\t', '&', ';', '!', '?', '-', 'a', 'Z', '0', '\u00e9', '\u0000', 'xmlns', 'xmlns:p', '<a>', '</a>', '<a/>', '"1"'];
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'duplicate', 'cut'), fc.constantFrom(...alphabet), fc.nat({ max: 40 }));
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...docs), fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, ms) => {
        runs++;
        let d = doc;
        for (const [pos, kind, s, len] of ms) {
          const at = pos % (d.length + 1);
          if (kind === 'insert') d = d.slice(0, at) + s + d.slice(at);
          else if (kind === 'delete') d = d.slice(0, at) + d.slice(at + 1 + (len % 3));
          else if (kind === 'replace') d = d.slice(0, at) + s + d.slice(at + 1);
          else if (kind === 'duplicate') d = d.slice(0, at) + d.slice(at, at + len) + d.slice(at);
          else d = d.slice(0, at);
        }
        if (agrees(d)) taken++;
      }),
      { seed: SEED, numRuns: 20_000 },
    );
    t.diagnostic(`seed ${SEED}: the fast path took ${taken} of ${runs} mutated envelopes`);
    assert.ok(taken > runs * 0.05, `the fast path took only ${taken} of ${runs} mutated envelopes`);
  });
});
