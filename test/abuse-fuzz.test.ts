// Issue 6.1: property/mutation fuzzing of the wire. Valid requests of every kind (FileBatch and
// GetStatus over SOAP 1.1 and 1.2, with and without SOAPAction/action and header, HTTP GET and
// POST /GetStatus) are mutated by fast-check and sent to a spawned production server.
// Invariants: the process stays up; every request gets a complete answer within 5 s; the status is
// one the protocol allows on that path; 400/415 bodies are empty; a 500 on the SOAP endpoint is a
// well-formed SOAP fault of the request's version with the right content type (text/plain 500s
// only on the HTTP GET/POST method paths and for missing service documents, HTML error pages for
// other verbs and JSON); nothing stored changes except through a 200 FileBatch.
// Replay: FUZZ_SEED=<seed> FUZZ_RUNS=<cases> node --import tsx --test test/abuse-fuzz.test.ts
import { Element } from '@xmldom/xmldom';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Answer, NoAnswer, send } from './support/abuse';
import { API_NS, CONTENT_TYPE, SERVICE_PATH, SOAP11, SOAP12, SoapVersion, XSD, XSI } from './support/constants';
import { envelope, fileBatchBody } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { elementChildren, parseStrict, utf8 } from './support/wellformed';

const SEED = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : 20240606;
const CASES = process.env['FUZZ_RUNS'] ? Number(process.env['FUZZ_RUNS']) : 20_000;
const PER_RUN = Number(process.env['FUZZ_PARALLEL'] ?? 16); // requests sent concurrently per property run
const RUNS = Math.ceil(CASES / PER_RUN);
const BODY_LIMIT = 64 * 1024;
const STATUSES = ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed', 'Aborted', 'Failed', 'NotFound'];

type Version = SoapVersion;

interface Req {
  seed: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Seeds: one valid request of every kind. `existing` ids are filled in once batches exist.
const existing: string[] = [];
const fullHeader = (id: string) =>
  `<ActivityMetadata xmlns="${API_NS}"><WorkflowSpaceId>6f9619ff-8b86-d011-b42d-00c04fc964ff</WorkflowSpaceId>` +
  `<WorkflowSpaceName>space</WorkflowSpaceName><WorkflowId>{6f9619ff-8b86-d011-b42d-00c04fc964ff}</WorkflowId>` +
  `<WorkflowName>wf</WorkflowName><WorkflowInstanceId>77</WorkflowInstanceId><ActivityId>6f9619ff8b86d011b42d00c04fc964ff</ActivityId>` +
  `<ActivityName>act</ActivityName><ActivityInstanceId>78</ActivityInstanceId><CallerId>3</CallerId>` +
  `<MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata>`;

const ct = (v: Version, op: string | null) =>
  v === '1.1' ? CONTENT_TYPE['1.1'] : `${CONTENT_TYPE['1.2']}${op ? `; action="${API_NS}${op}"` : ''}`;

function soapSeed(name: string, v: Version, op: 'FileBatch' | 'GetStatus', withAction: boolean, withHeader: boolean, id: string): Req {
  const body =
    op === 'FileBatch' ? fileBatchBody({ ExternalContext: 'ctx-1', TimeOut: '300' }) : `<GetStatus xmlns="${API_NS}" />`;
  const headers: Record<string, string> = { 'Content-Type': ct(v, withAction ? op : null) };
  if (v === '1.1' && withAction) headers['SOAPAction'] = `"${API_NS}${op}"`;
  return { seed: name, method: 'POST', path: SERVICE_PATH, headers, body: Buffer.from(envelope(v, body, withHeader ? fullHeader(id) : undefined)) };
}

const latest = () => [...acked].at(-1) ?? existing[0] ?? '1001';

function seeds(): Req[] {
  const id = existing[0] ?? '1001';
  return [
    soapSeed('FileBatch 1.1', '1.1', 'FileBatch', true, true, id),
    soapSeed('FileBatch 1.1 no SOAPAction', '1.1', 'FileBatch', false, false, id),
    soapSeed('FileBatch 1.2', '1.2', 'FileBatch', true, true, id),
    soapSeed('FileBatch 1.2 no action', '1.2', 'FileBatch', false, false, id),
    soapSeed('GetStatus 1.1', '1.1', 'GetStatus', true, true, id),
    soapSeed('GetStatus 1.2', '1.2', 'GetStatus', true, true, existing[1] ?? id),
    soapSeed('GetStatus 1.1 no SOAPAction', '1.1', 'GetStatus', false, true, existing[2] ?? id),
    // The batch most recently created by a fuzzed FileBatch: whatever was stored is echoed back.
    soapSeed('GetStatus 1.1 latest', '1.1', 'GetStatus', true, true, latest()),
    soapSeed('GetStatus 1.2 latest', '1.2', 'GetStatus', true, true, latest()),
    { seed: 'HTTP GET /GetStatus latest', method: 'GET', path: `${SERVICE_PATH}/GetStatus?MasterWorkflowInstanceId=${latest()}`, headers: {}, body: Buffer.alloc(0) },
    { seed: 'HTTP GET /GetStatus', method: 'GET', path: `${SERVICE_PATH}/GetStatus?MasterWorkflowInstanceId=${id}`, headers: {}, body: Buffer.alloc(0) },
    {
      seed: 'HTTP POST /GetStatus',
      method: 'POST',
      path: `${SERVICE_PATH}/GetStatus`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(`MasterWorkflowInstanceId=${id}`),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Mutations, as plain records so a failing case prints readably and replays from the seed.
const WRONG_NS = ['', 'urn:wrong', API_NS.toUpperCase(), API_NS.slice(0, -1), SOAP11, SOAP12, XSD, 'x'.repeat(3000)];
const BAD_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]];
const CONTENT_TYPES: (string | null)[] = [
  'text/xml; charset=utf-8',
  'text/xml',
  'TEXT/XML; Charset="UTF-8"',
  'application/soap+xml; charset=utf-8',
  `application/soap+xml; charset=utf-8; action="${API_NS}GetStatus"`,
  `application/soap+xml; action="${API_NS}FileBatch"`,
  'application/soap+xml; action=urn:nothing',
  'application/soap+xml; charset=utf-16',
  'text/xml; charset=utf-16le',
  'text/xml; charset=bogus',
  'text/xml; charset=iso-8859-1',
  'text/xml; charset=us-ascii',
  'text/xml;;;',
  'text/plain',
  'application/json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  '',
  ';',
  null,
];
const SOAP_ACTIONS: (string | null)[] = [
  null,
  '',
  '""',
  `"${API_NS}GetStatus"`,
  `${API_NS}FileBatch`,
  `"${API_NS}filebatch"`,
  `"${API_NS}FileBatch`,
  'urn:nothing',
  `"${API_NS}GetStatus" `,
  '<script>&amp;</script>',
  'é\u00ff',
  'x'.repeat(4000),
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
const PATHS = [
  SERVICE_PATH.toLowerCase(),
  SERVICE_PATH.toUpperCase(),
  `${SERVICE_PATH}/GetStatus`,
  `${SERVICE_PATH}/GetStatus?`,
  `${SERVICE_PATH}/getstatus`,
  `${SERVICE_PATH}/FileBatch`,
  `${SERVICE_PATH}/`,
  `${SERVICE_PATH}/GetStatus/x`,
  `${SERVICE_PATH}x`,
  `${SERVICE_PATH}%00`,
  `${SERVICE_PATH.replace('.asmx', '.asm')}`,
  '/SequenceServices/',
  '/',
  '/__adminx',
  `${SERVICE_PATH}?wsdl`,
  `${SERVICE_PATH}?op=FileBatch`,
  `${SERVICE_PATH}/${'A'.repeat(2000)}`,
];
const QUERIES = [
  '',
  '?',
  '?MasterWorkflowInstanceId=-1',
  '?MasterWorkflowInstanceId=9223372036854775807',
  '?MasterWorkflowInstanceId=9223372036854775808',
  '?MasterWorkflowInstanceId=-9223372036854775809',
  '?MasterWorkflowInstanceId=abc',
  '?MasterWorkflowInstanceId=%FF%FE',
  '?MasterWorkflowInstanceId=1001&MasterWorkflowInstanceId=1002',
  '?MasterWorkflowInstanceId=%201001%20',
  '?MasterWorkflowInstanceId=1e3',
  `?MasterWorkflowInstanceId=${'9'.repeat(3000)}`,
  '?wsdl',
  '?disco',
  '?%zz',
];
const VALUES = [
  '-1', '0', '-0', '+7', ' 12 ', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '99999999999999999999999999999999', '1e3', '0x1F', '1.5', 'NaN',
  'Infinity', '１２', '٣', '', ' ', '00000000000000000000001', '&#x31;', '<![CDATA[42]]>', 'true', '&amp;', '&#0;', '&#xD800;',
  '6f9619ff-8b86-d011-b42d-00c04fc964ff', '{00000000-0000-0000-0000-000000000000', 'Completed',
];
const INSERTS = [
  '<', '>', '&', '&amp;', '&lt;', ']]>', '<![CDATA[x]]>', '<![CDATA[', '<!-- c -->', '<!--', '<?pi data?>', '<?xml version="1.0"?>',
  '<!DOCTYPE x [<!ENTITY e "v">]>', '&e;', '&#x0;', '&#x1;', '&#xFFFE;', '&#xD800;', '&#1114112;', '\u0000', '\u0001', '\uFFFF', '\uFEFF',
  '<soap:Header/>', '<soap:Body/>', 'xmlns:soap="urn:x"', ' soap:mustUnderstand="1"', '</soap:Body>', '</soap:Envelope>', '<x:y/>',
  `<FileBatch xmlns="${API_NS}"/>`, `<GetStatus xmlns="${API_NS}"/>`, ' xsi:nil="true"', ' xmlns=""', '\u202e', '𝒳',
];
const DOCTYPES = [
  '<!DOCTYPE soap:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE x SYSTEM "file:///etc/passwd">',
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
  '<!DOCTYPE x PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:9/x.dtd">',
];

const nat = fc.nat({ max: 1_000_000 });
const c = <T extends string>(t: T) => fc.constant(t);
const mutationArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: c('truncate'), at: nat }) },
  { weight: 3, arbitrary: fc.record({ t: c('namespace'), which: fc.constantFrom('api', 'env', 'xsi'), to: fc.constantFrom(...WRONG_NS) }) },
  { weight: 3, arbitrary: fc.record({ t: c('duplicate'), pick: nat }) },
  { weight: 3, arbitrary: fc.record({ t: c('swap'), pick: nat }) },
  { weight: 2, arbitrary: fc.record({ t: c('drop'), pick: nat }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: c('value'),
      pick: nat,
      v: fc.oneof(fc.constantFrom(...VALUES), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String), fc.string({ maxLength: 30 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: c('badUtf8'), at: nat, seq: fc.constantFrom(...BAD_UTF8) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: c('nest'), pick: nat, depth: fc.integer({ min: 1, max: 300 }), name: fc.constantFrom('a', 'api:x', 'Body', 'FileBatch') }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: c('attributes'),
      pick: nat,
      count: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 60, max: 200 })),
      size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1000, max: 120_000 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: c('insert'), at: nat, text: fc.oneof(fc.constantFrom(...INSERTS), fc.string({ maxLength: 20, unit: 'binary' })) }) },
  { weight: 2, arbitrary: fc.record({ t: c('xml11'), pick: nat, ch: fc.integer({ min: 1, max: 31 }), where: fc.constantFrom('text', 'namespace', 'attribute') }) },
  { weight: 3, arbitrary: fc.record({ t: c('contentType'), v: fc.constantFrom(...CONTENT_TYPES) }) },
  { weight: 3, arbitrary: fc.record({ t: c('soapAction'), v: fc.constantFrom(...SOAP_ACTIONS) }) },
  { weight: 1, arbitrary: fc.record({ t: c('random'), bytes: fc.uint8Array({ maxLength: 2000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: c('method'), v: fc.constantFrom(...METHODS) }) },
  { weight: 1, arbitrary: fc.record({ t: c('path'), v: fc.constantFrom(...PATHS) }) },
  { weight: 2, arbitrary: fc.record({ t: c('query'), v: fc.constantFrom(...QUERIES) }) },
  { weight: 1, arbitrary: fc.record({ t: c('mustUnderstand'), v: fc.constantFrom('1', 'true', '0', 'false', 'yes') }) },
  { weight: 1, arbitrary: fc.record({ t: c('doctype'), v: fc.constantFrom(...DOCTYPES) }) },
  { weight: 1, arbitrary: fc.record({ t: c('utf16'), bom: fc.boolean(), le: fc.boolean(), label: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: c('bom') }) },
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;
const caseArb = fc.record({ seed: fc.nat(), mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }) });
type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

const LEAF = /<([A-Za-z_][\w.:-]*)((?:\s[^<>]*)?)>([^<]*)<\/\1>/g;
const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s[^<>]*?)?)(\/?)>/g;

function matches(re: RegExp, s: string): RegExpExecArray[] {
  return [...s.matchAll(new RegExp(re.source, 'g'))] as RegExpExecArray[];
}

function spliceStr(s: string, at: number, del: number, ins: string): string {
  return s.slice(0, at) + ins + s.slice(at + del);
}

function apply(req: Req, m: Mutation): void {
  const text = () => req.body.toString('utf8');
  const setText = (s: string) => (req.body = Buffer.from(s, 'utf8'));
  const onLeaf = (pick: number, f: (m: RegExpExecArray, s: string) => string) => {
    const s = text();
    const leaves = matches(LEAF, s);
    if (leaves.length) setText(f(leaves[pick % leaves.length]!, s));
  };
  switch (m.t) {
    case 'truncate':
      req.body = req.body.subarray(0, m.at % (req.body.length + 1));
      return;
    case 'namespace': {
      const from = m.which === 'api' ? API_NS : m.which === 'xsi' ? XSI : text().includes(SOAP12) ? SOAP12 : SOAP11;
      setText(text().split(from).join(m.to));
      return;
    }
    case 'duplicate':
      return onLeaf(m.pick, (l, s) => spliceStr(s, l.index, 0, l[0]));
    case 'drop':
      return onLeaf(m.pick, (l, s) => spliceStr(s, l.index, l[0].length, ''));
    case 'swap': {
      const s = text();
      const leaves = matches(LEAF, s);
      if (leaves.length < 2) return;
      const i = m.pick % (leaves.length - 1);
      const [a, b] = [leaves[i]!, leaves[i + 1]!];
      setText(s.slice(0, a.index) + b[0] + s.slice(a.index + a[0].length, b.index) + a[0] + s.slice(b.index + b[0].length));
      return;
    }
    case 'value':
      return onLeaf(m.pick, (l, s) => spliceStr(s, l.index, l[0].length, `<${l[1]}${l[2]}>${m.v}</${l[1]}>`));
    case 'badUtf8': {
      const at = m.at % (req.body.length + 1);
      req.body = Buffer.concat([req.body.subarray(0, at), Buffer.from(m.seq), req.body.subarray(at)]);
      return;
    }
    case 'nest':
      return onLeaf(m.pick, (l, s) =>
        spliceStr(s, l.index, l[0].length, `<${l[1]}${l[2]}>${`<${m.name}>`.repeat(m.depth)}${l[3]}${`</${m.name}>`.repeat(m.depth)}</${l[1]}>`),
      );
    case 'attributes': {
      const s = text();
      const tags = matches(START_TAG, s);
      if (!tags.length) return;
      const tag = tags[m.pick % tags.length]!;
      const each = Math.max(1, Math.floor(m.size / m.count));
      let attrs = '';
      for (let i = 0; i < m.count; i++) attrs += ` a${i}="${'v'.repeat(each)}"`;
      const end = tag.index + tag[0].length - (tag[3] ? 2 : 1);
      setText(spliceStr(s, end, 0, attrs));
      return;
    }
    case 'insert': {
      const s = text();
      setText(spliceStr(s, m.at % (s.length + 1), 0, m.text));
      return;
    }
    case 'xml11': {
      let s = text().replace(/^\uFEFF?<\?xml[^>]*\?>/, '');
      s = `<?xml version="1.1" encoding="utf-8"?>${s}`;
      const ref = `&#x${m.ch.toString(16)};`;
      if (m.where === 'namespace') s = s.split(`xmlns="${API_NS}"`).join(`xmlns="${API_NS}${ref}"`);
      else if (m.where === 'attribute') {
        const tags = matches(START_TAG, s);
        const tag = tags[m.pick % Math.max(tags.length, 1)];
        if (tag) s = spliceStr(s, tag.index + 1 + tag[1]!.length, 0, ` note="a${ref}b"`);
      } else {
        const leaves = matches(LEAF, s);
        if (leaves.length) {
          const l = leaves[m.pick % leaves.length]!;
          s = spliceStr(s, l.index, l[0].length, `<${l[1]}${l[2]}>${l[3]}${ref}</${l[1]}>`);
        }
      }
      setText(s);
      return;
    }
    case 'contentType':
      if (m.v === null) delete req.headers['Content-Type'];
      else req.headers['Content-Type'] = m.v;
      return;
    case 'soapAction':
      if (m.v === null) delete req.headers['SOAPAction'];
      else req.headers['SOAPAction'] = m.v;
      return;
    case 'random':
      req.body = Buffer.from(m.bytes);
      return;
    case 'method':
      req.method = m.v;
      return;
    case 'path':
      req.path = m.v;
      return;
    case 'query': {
      const q = req.path.indexOf('?');
      req.path = (q < 0 ? req.path : req.path.slice(0, q)) + m.v;
      return;
    }
    case 'mustUnderstand': {
      const s = text();
      const env = s.includes(SOAP12) ? SOAP12 : SOAP11;
      const h = `<x:Unknown xmlns:x="urn:unknown" xmlns:e="${env}" e:mustUnderstand="${m.v}">1</x:Unknown>`;
      setText(s.includes('<soap:Header>') ? s.replace('<soap:Header>', `<soap:Header>${h}`) : s.replace('<soap:Body>', `<soap:Header>${h}</soap:Header><soap:Body>`));
      return;
    }
    case 'doctype': {
      const s = text();
      const decl = /^<\?xml[^>]*\?>/.exec(s);
      setText(decl ? spliceStr(s, decl[0].length, 0, m.v) : m.v + s);
      return;
    }
    case 'utf16': {
      const s = text();
      const le = Buffer.from(s, 'utf16le');
      const body = m.le ? le : Buffer.from(le).swap16();
      req.body = Buffer.concat([m.bom ? Buffer.from(m.le ? [0xff, 0xfe] : [0xfe, 0xff]) : Buffer.alloc(0), body]);
      const type = (req.headers['Content-Type'] ?? 'text/xml').split(';')[0];
      if (m.label) req.headers['Content-Type'] = `${type}; charset=${m.le ? 'utf-16' : 'utf-16be'}`;
      return;
    }
    case 'bom':
      req.body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), req.body]);
      return;
  }
}

function build(cs: Case): Req {
  const all = seeds();
  const s = all[cs.seed % all.length]!;
  const req: Req = { ...s, headers: { ...s.headers }, body: Buffer.from(s.body) };
  for (const m of cs.mutations) apply(req, m);
  return req;
}

// ---------------------------------------------------------------------------------------------
// The oracle.
type Route = 'notFound' | 'page' | 'soap' | 'httpMethod' | 'badMethod';
function routeOf(req: Req): Route {
  const pathname = new URL(req.path, 'http://localhost').pathname;
  if (!pathname.toLowerCase().startsWith(SERVICE_PATH.toLowerCase())) return 'notFound';
  const rest = pathname.slice(SERVICE_PATH.length);
  if (rest !== '' && !rest.startsWith('/')) return 'notFound';
  // ASMX takes GET (documents) and POST (SOAP) on the .asmx, GET and POST of a method name after
  // it; anything else is ASP.NET's HTML error page (405 on the .asmx, 500 after it).
  if (rest === '') return req.method === 'GET' ? 'page' : req.method === 'POST' ? 'soap' : 'badMethod';
  return (req.method === 'GET' || req.method === 'POST') && rest.length > 1 ? 'httpMethod' : 'badMethod';
}

/** The media type of the request, as the server reads it (lower case, no parameters). */
const mediaTypeOf = (req: Req): string | null => req.headers['Content-Type']?.split(';')[0]!.trim().toLowerCase() || null;

function transportOf(req: Req): Version | null | 'unknown' {
  const raw = req.headers['Content-Type'];
  if (raw === undefined) return null;
  const type = raw.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/xml') return '1.1';
  if (type === 'application/soap+xml') return '1.2';
  return type === '' || /^[\w.+-]+\/[\w.+-]+$/.test(type) ? null : 'unknown';
}

/** The envelope version an independent parser sees in the request, if it can read it. */
function envelopeVersion(req: Req): Version | 'notEnvelope' | null {
  const cs = /charset="?([\w-]+)/i.exec(req.headers['Content-Type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  let s: string | null;
  try {
    s = new TextDecoder(cs === 'us-ascii' ? 'utf-8' : cs, { fatal: true }).decode(req.body);
  } catch {
    s = null;
  }
  if (s === null) return null;
  if (/<!DOCTYPE|<!ENTITY/i.test(s) || /^<\?xml version="1\.1"/.test(s)) return null;
  const p = parseStrict(s);
  if (!p.ok) return null;
  if (p.root.localName === 'Envelope' && p.root.namespaceURI === SOAP11) return '1.1';
  if (p.root.localName === 'Envelope' && p.root.namespaceURI === SOAP12) return '1.2';
  return 'notEnvelope';
}

/** Checks a well-formed SOAP answer; returns its version and the first Body child. */
function readSoap(a: Answer, problems: string[]): { version: Version; first: Element } | null {
  const text = utf8(a.body);
  if (text === null) return void problems.push('SOAP answer is not UTF-8'), null;
  const p = parseStrict(text);
  if (!p.ok) return void problems.push(`SOAP answer is not well-formed XML: ${p.why}`), null;
  const ns = p.root.namespaceURI;
  const version: Version | null = ns === SOAP11 ? '1.1' : ns === SOAP12 ? '1.2' : null;
  if (p.root.localName !== 'Envelope' || !version) return void problems.push(`SOAP answer root is {${ns}}${p.root.localName}`), null;
  if (a.headers['content-type'] !== CONTENT_TYPE[version]) {
    problems.push(`SOAP ${version} answer with Content-Type ${a.headers['content-type']}`);
  }
  const body = elementChildren(p.root).find((e) => e.localName === 'Body' && e.namespaceURI === ns);
  const first = body && elementChildren(body)[0];
  if (!first) return void problems.push('SOAP answer has no Body child'), null;
  return { version, first };
}

function checkFault(version: Version, fault: Element, problems: string[]) {
  const kids = elementChildren(fault);
  if (version === '1.1') {
    const names = kids.map((k) => `${k.namespaceURI ?? ''}|${k.localName}`);
    if (names[0] !== '|faultcode' || names[1] !== '|faultstring') problems.push(`SOAP 1.1 fault children ${names.join(',')}`);
    else if (!/^soap:(Client|Server|MustUnderstand|VersionMismatch)$/.test(kids[0]!.textContent ?? '')) problems.push(`faultcode ${kids[0]!.textContent}`);
  } else {
    const code = kids.find((k) => k.localName === 'Code' && k.namespaceURI === SOAP12);
    const reason = kids.find((k) => k.localName === 'Reason' && k.namespaceURI === SOAP12);
    const value = code && elementChildren(code).find((k) => k.localName === 'Value');
    if (!value || !reason) problems.push('SOAP 1.2 fault without Code/Value or Reason');
    else if (!/^soap:(Sender|Receiver|MustUnderstand|VersionMismatch)$/.test(value.textContent ?? '')) problems.push(`Code/Value ${value.textContent}`);
  }
}

const acked = new Set<string>();

/** Problems with one answer (empty when every invariant holds). */
function judge(req: Req, a: Answer): string[] {
  const problems: string[] = [];
  const route = routeOf(req);
  const head = req.method === 'HEAD';
  if (!a.complete) problems.push(`incomplete body: ${a.body.length} of ${a.headers['content-length']} bytes`);
  const allowed: Record<Route, number[]> = {
    notFound: [404],
    page: [200, 500],
    badMethod: [405, 500],
    soap: [200, 400, 413, 415, 500],
    httpMethod: [200, 400, 413, 415, 500],
  };
  if (!allowed[route].includes(a.status)) {
    problems.push(`status ${a.status} on a ${route} request (allowed: ${allowed[route].join('/')})`);
    return problems;
  }
  if ((a.status === 400 || a.status === 415) && a.body.length > 0) problems.push(`${a.status} with a non-empty body`);
  if (route === 'badMethod' && !head && a.headers['content-type'] !== 'text/html; charset=utf-8') problems.push(`error page with Content-Type ${a.headers['content-type']}`);
  if (route === 'page' && a.status === 500 && !String(a.headers['content-type']).startsWith('text/plain')) {
    problems.push(`service description 500 with Content-Type ${a.headers['content-type']}`);
  }
  if (head || a.status === 404 || a.status === 405 || a.status === 413 || route === 'page' || route === 'badMethod') return problems;

  // JSON goes to ASP.NET's script handler, whatever the path after the .asmx: its HTML error page.
  if (req.method === 'POST' && mediaTypeOf(req) === 'application/json') {
    if (a.status !== 500 || a.headers['content-type'] !== 'text/html; charset=utf-8') {
      problems.push(`application/json answered ${a.status} ${a.headers['content-type']}, not the 500 HTML page`);
    }
    return problems;
  }

  if (route === 'httpMethod') {
    if (a.status === 500 && !String(a.headers['content-type']).startsWith('text/plain')) {
      problems.push(`HTTP-method 500 with Content-Type ${a.headers['content-type']}`);
    }
    if (a.status === 200) {
      const p = parseStrict(utf8(a.body) ?? '\u0000');
      if (!p.ok) problems.push(`BatchOutput not well-formed: ${p.why}`);
      else if (p.root.localName !== 'BatchOutput' || p.root.namespaceURI !== API_NS) problems.push(`HTTP-method 200 root ${p.root.localName}`);
    }
    return problems;
  }

  // SOAP endpoint
  const transport = transportOf(req);
  const env = envelopeVersion(req);
  // An empty body with neither a SOAP content type nor a SOAPAction is routed as SOAP 1.2 by its
  // (missing) root element: a soap:Receiver fault, not a 415.
  const rootMissing = transport === null && req.body.length === 0 && req.headers['SOAPAction'] === undefined;
  if (rootMissing && a.status !== 500) problems.push(`empty body without SOAP content type or SOAPAction answered ${a.status}, not a SOAP 1.2 fault`);
  if (transport === null && !rootMissing && a.status !== 415 && a.status !== 413) problems.push(`non-SOAP content type ${req.headers['Content-Type']} answered ${a.status}, not 415`);
  if (transport === '1.2' && env === '1.1' && ![400, 413, 415].includes(a.status)) problems.push(`SOAP 1.1 envelope as application/soap+xml answered ${a.status}, not 415`);
  if (a.status !== 200 && a.status !== 500) return problems;
  const soap = readSoap(a, problems);
  if (!soap) {
    if (a.status === 500 && String(a.headers['content-type']).startsWith('text/plain')) {
      problems.push(`text/plain 500 on the SOAP endpoint: ${a.body.toString('utf8').slice(0, 120)}`);
    }
    return problems;
  }
  const expected: Version | null = rootMissing
    ? '1.2'
    : env === '1.1' || env === '1.2'
      ? env
      : env === 'notEnvelope' && transport !== 'unknown'
        ? transport
        : null;
  if (expected && soap.version !== expected) problems.push(`answered in SOAP ${soap.version}, request was ${expected}`);
  if (a.status === 500) {
    if (soap.first.localName !== 'Fault' || soap.first.namespaceURI !== (soap.version === '1.1' ? SOAP11 : SOAP12)) {
      problems.push(`500 whose Body holds ${soap.first.localName}, not a Fault`);
    } else checkFault(soap.version, soap.first, problems);
  } else if (soap.first.localName === 'FileBatchResponse' && soap.first.namespaceURI === API_NS) {
    const id = elementChildren(soap.first)[0]?.textContent ?? '';
    if (!/^\d+$/.test(id)) problems.push(`FileBatchResponse id '${id}'`);
    else if (acked.has(id) || existing.includes(id)) problems.push(`FileBatch id ${id} handed out twice`);
    else acked.add(id);
  } else if (soap.first.localName === 'GetStatusResponse' && soap.first.namespaceURI === API_NS) {
    const st = soap.first.getElementsByTagNameNS(API_NS, 'Status')[0]?.textContent ?? '';
    if (!STATUSES.includes(st)) problems.push(`GetStatus status '${st}'`);
  } else problems.push(`200 whose Body holds {${soap.first.namespaceURI}}${soap.first.localName}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
interface Violation {
  count: number;
  example: Req;
  answer: string;
}
const violations = new Map<string, Violation>();
function note(kind: string, req: Req, answer: string) {
  const prefix = /^\[\w+ \d+\] /.exec(kind)?.[0] ?? '';
  const key = prefix + kind.slice(prefix.length).replace(/U\+[0-9A-F]+/g, 'U+?').replace(/(?<![+\w])\d+/g, 'N').slice(0, 160);
  const v = violations.get(key);
  if (!v) violations.set(key, { count: 1, example: req, answer });
  else {
    v.count++;
    if (req.body.length < v.example.body.length) Object.assign(v, { example: req, answer });
  }
}

function show(req: Req): string {
  const body = req.body.length > 600 ? `${JSON.stringify(req.body.subarray(0, 600).toString('latin1'))}... (${req.body.length} bytes)` : JSON.stringify(req.body.toString('latin1'));
  return `${req.method} ${req.path.slice(0, 200)} [${req.seed}] headers=${JSON.stringify(req.headers).slice(0, 300)} body(latin1)=${body}`;
}

let server: ServerProcess;
const agent = new http.Agent({ keepAlive: true, maxSockets: PER_RUN });

async function adminJson(path: string, method = 'GET', body?: unknown): Promise<any> {
  const a = await send(server.origin + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    timeoutMs: 10_000,
  });
  assert.ok(a.status < 300, `${method} ${path}: ${a.status} ${a.body}`);
  return JSON.parse(a.body.toString('utf8'));
}

async function allBatches(): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  do {
    const page: any = await adminJson(`/__admin/batches?limit=1000${after ? `&after=${after}` : ''}`);
    out.push(...page.items);
    after = page.next;
  } while (after);
  return out;
}

before(async () => {
  server = await spawnServer({ DB_PATH: ':memory:', BODY_LIMIT: `${BODY_LIMIT}`, JOURNAL_LIMIT: '1000' });
});
after(async () => {
  agent.destroy();
  await server?.stop('SIGKILL');
});

describe('fuzzing the wire', () => {
  it(`${CASES} mutated requests: stays up, bounded complete answers in the protocol's form, no stray state`, async (t) => {
    t.diagnostic(`fuzz seed=${SEED} cases=${CASES} (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${CASES})`);
    console.log(`fuzz: seed=${SEED} cases=${CASES} runs=${RUNS}x${PER_RUN}`);
    // A few batches for GetStatus to find; then a frozen clock so nothing moves by itself.
    for (let i = 0; i < 3; i++) {
      const r = await send(server.serviceUrl, {
        method: 'POST',
        headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` },
        body: envelope('1.1', fileBatchBody({ ExternalContext: `pre-${i}` })),
      });
      existing.push(/<MasterWorkflowInstanceId>(\d+)</.exec(r.body.toString())![1]!);
    }
    await adminJson('/__admin/clock', 'POST', { freeze: true });
    const before = new Map<string, unknown>();
    for (const id of existing) before.set(id, await adminJson(`/__admin/batches/${id}`));
    let expectedCount = (await adminJson('/__admin/health')).batches as number;
    const canaryReq = {
      method: 'POST',
      headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}GetStatus"` },
      body: envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, fullHeader(existing[0]!)),
    };
    const canaryAnswer = await send(server.serviceUrl, canaryReq);
    assert.equal(canaryAnswer.status, 200, canaryAnswer.body.toString());

    const started = Date.now();
    let sent = 0;
    let slowest = 0;
    const statusCounts = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: PER_RUN, maxLength: PER_RUN }), async (cases) => {
        const reqs = cases.map(build);
        const ackedBefore = acked.size;
        // A valid request among the mutated ones must get exactly its usual answer: no state
        // (parser, routing) may leak from one request into another.
        const canary = (async () => {
          try {
            const a = await send(server.serviceUrl, { ...canaryReq, agent, timeoutMs: 5000 });
            if (a.status !== canaryAnswer.status || !a.body.equals(canaryAnswer.body)) {
              note('a valid GetStatus sent alongside mutated requests got a different answer', { seed: 'canary', method: 'POST', path: SERVICE_PATH, headers: canaryReq.headers, body: Buffer.from(canaryReq.body) }, `${a.status} ${a.body.toString().slice(0, 300)} | neighbours:\n${reqs.map(show).join('\n')}`);
            }
          } catch (err) {
            note(`canary: no complete answer: ${(err as Error).message.replace(/after \d+ ms.*/, '')}`, reqs[0]!, String(err));
          }
        })();
        await Promise.all([
          canary,
          ...reqs.map(async (req) => {
            sent++;
            try {
              const a = await send(server.origin + req.path, { method: req.method, headers: req.headers, body: req.body, agent, timeoutMs: 5000 });
              slowest = Math.max(slowest, a.ms);
              statusCounts.set(a.status, (statusCounts.get(a.status) ?? 0) + 1);
              for (const p of judge(req, a)) note(`[${routeOf(req)} ${a.status}] ${p}`, req, `${a.status} ${a.headers['content-type']} ${JSON.stringify(a.body.toString('utf8').slice(0, 300))}`);
            } catch (err) {
              if (!(err instanceof NoAnswer)) throw err;
              note(`no complete answer: ${err.message.replace(/after \d+ ms.*/, '')}`, req, err.message);
            }
          }),
        ]);
        if (!server.alive()) {
          note('server process died', reqs[0]!, server.output().slice(-2000));
          throw new Error(`server died; last output:\n${server.output().slice(-3000)}`);
        }
        // Nothing stored changes except through a 200 FileBatch.
        const count = (await adminJson('/__admin/health')).batches as number;
        expectedCount += acked.size - ackedBefore;
        if (count !== expectedCount) {
          note(`stored batch count ${count} but ${expectedCount} expected from 200 FileBatch answers`, reqs[0]!, reqs.map(show).join('\n'));
          expectedCount = count;
        }
        return true;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const seconds = (Date.now() - started) / 1000;

    // Final state: exactly the batches that were acknowledged, the pre-existing ones untouched.
    const ids = (await allBatches()).map((b) => b.id as string);
    const expectedIds = new Set([...existing, ...acked]);
    const stray = ids.filter((id) => !expectedIds.has(id));
    const lost = [...expectedIds].filter((id) => !ids.includes(id));
    for (const id of existing) {
      const now = await adminJson(`/__admin/batches/${id}`);
      try {
        assert.deepEqual(now, before.get(id));
      } catch {
        note(`pre-existing batch ${id} changed`, seeds()[0]!, JSON.stringify(now).slice(0, 400));
      }
    }
    // An exception that escaped the SOAP adapter is logged as "unhandled error" (app.ts onError).
    const unhandled = server.errorLines();
    if (unhandled.length) note(`server logged ${unhandled.length} error lines`, seeds()[0]!, unhandled[0]!.slice(0, 400));
    const health = await send(server.origin + '/__admin/health');
    const summary =
      `fuzz: seed=${SEED} cases=${sent} in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), slowest answer ${slowest} ms, ` +
      `FileBatch accepted ${acked.size}, statuses ${JSON.stringify(Object.fromEntries([...statusCounts].sort()))}`;
    console.log(summary);
    t.diagnostic(summary);
    const report = [...violations].map(([k, v]) => `- ${k} (x${v.count})\n    request: ${show(v.example)}\n    answer: ${v.answer}`).join('\n');
    if (report) console.log(`fuzz violations (seed ${SEED}):\n${report}`);
    if (process.env['FUZZ_DUMP']) {
      // Whole example requests, for debugging: FUZZ_DUMP=/some/dir
      fs.mkdirSync(process.env['FUZZ_DUMP'], { recursive: true });
      [...violations.values()].forEach((v, i) =>
        fs.writeFileSync(path.join(process.env['FUZZ_DUMP']!, `violation-${i}.json`), JSON.stringify({ kind: [...violations.keys()][i], ...v.example, body: v.example.body.toString('base64') })),
      );
    }
    assert.equal(health.status, 200, 'the server still answers');
    assert.ok(server.alive(), 'the server process is up');
    assert.deepEqual(stray, [], 'no batch appeared without a 200 FileBatch');
    assert.deepEqual(lost, [], 'no acknowledged batch vanished');
    assert.ok(sent >= CASES, `${sent} cases run`);
    assert.equal(violations.size, 0, `invariants broken (replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${CASES}):\n${report}`);
  });
});
