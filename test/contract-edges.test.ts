// The wire contract's edges (CONTRACT.md "The edges"): what genuine ASMX answers where clients
// rarely go, rule by rule, against a real server over HTTP: status, Content-Type, Cache-Control
// and the body's shape or exact text. Then both CUSTOM_ERRORS forms.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../server/config';
import {
  API_NS,
  RawResponse,
  RunningMock,
  SERVICE_PATH,
  SOAP11,
  SOAP12,
  envelope,
  fileBatchBody,
  metadataHeader,
  raw,
  soapAction,
  startMock,
  submit,
} from './support/mock';
import { at, childElements, parseDoc } from './support/xml';

const CT = {
  '1.1': 'text/xml; charset=utf-8',
  '1.2': 'application/soap+xml; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;
const OK = 'private, max-age=0';
const REFUSED = 'private';
const ENV = { '1.1': SOAP11, '1.2': SOAP12 } as const;
const getStatusBody = `<GetStatus xmlns="${API_NS}" />`;

interface Expect {
  status: number;
  type: string | undefined;
  cache: string;
  /** The exact body, a pattern it matches, or a check of its own. */
  body?: string | RegExp | ((body: string) => void);
}

function check(r: RawResponse, e: Expect, label = '') {
  const where = `${label} -> ${r.status} ${r.headers['content-type']} ${r.headers['cache-control']}: ${r.body.slice(0, 300)}`;
  assert.equal(r.status, e.status, where);
  assert.equal(r.headers['content-type'], e.type, where);
  assert.equal(r.headers['cache-control'], e.cache, where);
  if (typeof e.body === 'string') assert.equal(r.body, e.body, where);
  else if (e.body instanceof RegExp) assert.match(r.body, e.body, where);
  else e.body?.(r.body);
}

/** The fault's code and text (DOM-decoded), checking the envelope's version. */
function fault(version: '1.1' | '1.2', body: string): { code: string; text: string } {
  const root = parseDoc(body);
  const f = at(root, [
    [ENV[version], 'Envelope'],
    [ENV[version], 'Body'],
    [ENV[version], 'Fault'],
  ]);
  if (version === '1.1') {
    const [code, text] = childElements(f);
    return { code: code!.textContent!, text: text!.textContent! };
  }
  const code = at(f, [[SOAP12, 'Fault'], [SOAP12, 'Code'], [SOAP12, 'Value']]);
  const text = at(f, [[SOAP12, 'Fault'], [SOAP12, 'Reason'], [SOAP12, 'Text']]);
  return { code: code.textContent!, text: text.textContent! };
}

const isFault = (version: '1.1' | '1.2', code: string, text: string | RegExp) => (body: string) => {
  const f = fault(version, body);
  assert.equal(f.code, code);
  if (typeof text === 'string') assert.equal(f.text, text);
  else assert.match(f.text, text);
};

/** ASP.NET's "Server Error in '/SequenceServices' Application." page carrying `message`. */
const errorPage = (message: string) => (body: string) => {
  assert.match(body, /^<!DOCTYPE html>/);
  assert.ok(body.includes("Server Error in '/SequenceServices' Application."), body);
  assert.ok(body.includes(message), `page without "${message}"`);
  assert.ok(!body.includes('Stack Trace:'), 'no stack trace for a remote caller');
};

interface Req {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

let mock: RunningMock;
before(async () => {
  mock = await startMock();
});
after(() => mock.close());

const send = (m: RunningMock, q: Req) =>
  raw(m.origin + (q.path ?? SERVICE_PATH), { method: q.method ?? 'GET', headers: q.headers ?? {}, body: q.body });

function table(rows: [string, Req, Expect][]) {
  for (const [label, q, e] of rows) {
    it(label, async () => check(await send(mock, q), e, label));
  }
}

const soap11 = (action: string | null, body: string | Buffer, contentType: string = CT['1.1']): Req => ({
  method: 'POST',
  headers: { 'Content-Type': contentType, ...(action === null ? {} : { SOAPAction: action }) },
  body,
});
const soap12 = (op: string | null, body: string | Buffer, charset = 'utf-8'): Req => ({
  method: 'POST',
  headers: { 'Content-Type': `application/soap+xml; charset=${charset}${op ? `; action="${API_NS}${op}"` : ''}` },
  body,
});
const gs11 = envelope('1.1', getStatusBody);
const gs12 = envelope('1.2', getStatusBody);
const malformed = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>';

describe('the edges: Content-Type of 400 and 415 (the SOAP version being handled; empty body)', () => {
  table([
    ['SOAP 1.1 malformed XML: 400 text/xml', soap11(soapAction('GetStatus'), malformed), { status: 400, type: CT['1.1'], cache: REFUSED, body: '' }],
    ['SOAP 1.1 empty body: 400 text/xml', soap11(soapAction('GetStatus'), ''), { status: 400, type: CT['1.1'], cache: REFUSED, body: '' }],
    [
      'SOAP 1.1 invalid UTF-8: 400 text/xml',
      soap11(soapAction('GetStatus'), Buffer.from([0x3c, 0x61, 0xff, 0x3e])),
      { status: 400, type: CT['1.1'], cache: REFUSED, body: '' },
    ],
    ['SOAP 1.2 malformed XML: 400 application/soap+xml', soap12('GetStatus', malformed), { status: 400, type: CT['1.2'], cache: REFUSED, body: '' }],
    ['SOAP 1.2 empty body: 400 application/soap+xml', soap12('GetStatus', ''), { status: 400, type: CT['1.2'], cache: REFUSED, body: '' }],
    [
      'a SOAP 1.1 envelope sent as application/soap+xml: 415 text/xml',
      soap12('GetStatus', gs11),
      { status: 415, type: CT['1.1'], cache: REFUSED, body: '' },
    ],
    ['a text/plain body: 415 text/xml', soap11(soapAction('GetStatus'), gs11, 'text/plain'), { status: 415, type: CT['1.1'], cache: REFUSED, body: '' }],
    [
      'a form body: 415 text/xml',
      soap11(soapAction('GetStatus'), 'a=b', 'application/x-www-form-urlencoded'),
      { status: 415, type: CT['1.1'], cache: REFUSED, body: '' },
    ],
    [
      'an unknown charset for SOAP 1.1: 415 text/xml',
      soap11(soapAction('GetStatus'), gs11, 'text/xml; charset=bogus'),
      { status: 415, type: CT['1.1'], cache: REFUSED, body: '' },
    ],
    ['an unknown charset for SOAP 1.2: 415 application/soap+xml', soap12('GetStatus', gs12, 'bogus'), { status: 415, type: CT['1.2'], cache: REFUSED, body: '' }],
  ]);
});

describe('the edges: Cache-Control (max-age=0 once the method call is reached, private before)', () => {
  const header = `<x:Trace xmlns:x="urn:trace" soap:mustUnderstand="1">t</x:Trace>`;
  table([
    ['SOAP 1.1 success', soap11(soapAction('GetStatus'), gs11), { status: 200, type: CT['1.1'], cache: OK }],
    ['SOAP 1.2 success', soap12('GetStatus', gs12), { status: 200, type: CT['1.2'], cache: OK }],
    ['HTTP GET success', { path: `${SERVICE_PATH}/GetStatus` }, { status: 200, type: CT['1.1'], cache: OK }],
    ['the WSDL', { path: `${SERVICE_PATH}?wsdl` }, { status: 200, type: CT['1.1'], cache: OK }],
    ['the disco document', { path: `${SERVICE_PATH}?disco` }, { status: 200, type: CT['1.1'], cache: OK }],
    ['the help page', {}, { status: 200, type: CT.html, cache: OK }],
    [
      'SOAP 1.1 MustUnderstand fault (raised after the method is chosen)',
      soap11(soapAction('GetStatus'), envelope('1.1', getStatusBody, header)),
      { status: 500, type: CT['1.1'], cache: OK, body: isFault('1.1', 'soap:MustUnderstand', 'SOAP header x:Trace was not understood.') },
    ],
    [
      'SOAP 1.2 MustUnderstand fault',
      soap12('GetStatus', envelope('1.2', getStatusBody, header)),
      { status: 500, type: CT['1.2'], cache: OK, body: isFault('1.2', 'soap:MustUnderstand', 'SOAP header x:Trace was not understood.') },
    ],
    [
      'SOAPAction fault',
      soap11('"urn:nothing"', gs11),
      { status: 500, type: CT['1.1'], cache: REFUSED, body: isFault('1.1', 'soap:Client', 'Server did not recognize the value of HTTP Header SOAPAction: urn:nothing.') },
    ],
    [
      'SOAP 1.2 routing fault',
      soap12(null, envelope('1.2', `<Nope xmlns="${API_NS}"/>`)),
      { status: 500, type: CT['1.2'], cache: REFUSED, body: isFault('1.2', 'soap:Sender', /^Unable to handle request without a valid action parameter/) },
    ],
    [
      'SOAP 1.2 envelope namespace mismatch',
      soap12('GetStatus', '<Envelope xmlns="urn:x"><Body/></Envelope>'),
      { status: 500, type: CT['1.2'], cache: REFUSED, body: isFault('1.2', 'soap:VersionMismatch', /^Possible SOAP version mismatch/) },
    ],
    [
      'an unreadable parameter',
      soap11(soapAction('FileBatch'), envelope('1.1', fileBatchBody({ TimeOut: 'soon' }))),
      { status: 500, type: CT['1.1'], cache: REFUSED, body: isFault('1.1', 'soap:Client', /^Server was unable to read request\. ---> There is an error/) },
    ],
    [
      'an unreadable header',
      soap11(soapAction('GetStatus'), envelope('1.1', getStatusBody, metadataHeader('abc'))),
      { status: 500, type: CT['1.1'], cache: REFUSED, body: isFault('1.1', 'soap:Client', /Input string was not in a correct format\.$/) },
    ],
    ['a media type refusal', soap11(soapAction('GetStatus'), gs11, 'text/plain'), { status: 415, type: CT['1.1'], cache: REFUSED }],
    ['malformed XML', soap11(soapAction('GetStatus'), malformed), { status: 400, type: CT['1.1'], cache: REFUSED }],
    ['a bad HTTP GET method name', { path: `${SERVICE_PATH}/Nope` }, { status: 500, type: CT.text, cache: REFUSED }],
    ['a bad HTTP POST method name', { method: 'POST', path: `${SERVICE_PATH}/Nope`, body: '' }, { status: 500, type: CT.text, cache: REFUSED }],
  ]);

  describe('faults thrown by the operation', () => {
    let scripted: RunningMock;
    before(async () => {
      scripted = await startMock();
    });
    after(() => scripted.close());
    const cases: [string, Req, Expect][] = [
      [
        'SOAP 1.1 Server fault',
        soap11(soapAction('GetStatus'), gs11),
        { status: 500, type: CT['1.1'], cache: OK, body: isFault('1.1', 'soap:Server', 'Server was unable to process request. ---> robot exploded') },
      ],
      [
        'SOAP 1.2 Server fault',
        soap12('GetStatus', gs12),
        { status: 500, type: CT['1.2'], cache: OK, body: isFault('1.2', 'soap:Receiver', 'Server was unable to process request. ---> robot exploded') },
      ],
      ['HTTP GET: the exception text', { path: `${SERVICE_PATH}/GetStatus` }, { status: 500, type: CT.text, cache: OK, body: 'robot exploded\r\n' }],
    ];
    for (const [label, q, e] of cases) {
      it(label, async () => {
        scripted.app.control.defaultWorld.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', code: 'Server', message: 'robot exploded' } });
        check(await send(scripted, q), e, label);
      });
    }
    it('a scripted Client fault over SOAP 1.1', async () => {
      scripted.app.control.defaultWorld.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', code: 'Client', message: 'bad id' } });
      check(await send(scripted, soap11(soapAction('GetStatus'), gs11)), { status: 500, type: CT['1.1'], cache: OK, body: isFault('1.1', 'soap:Client', 'bad id') });
    });
  });
});

describe('the edges: a usable action chooses the operation, whatever the body element', () => {
  const rows: [string, Req, string][] = [
    ['SOAP 1.1 SOAPAction FileBatch, GetStatus body', soap11(soapAction('FileBatch'), gs11), 'FileBatchResponse'],
    ['SOAP 1.1 SOAPAction FileBatch, empty Body', soap11(soapAction('FileBatch'), envelope('1.1', '')), 'FileBatchResponse'],
    ['SOAP 1.1 SOAPAction GetStatus, FileBatch body', soap11(soapAction('GetStatus'), envelope('1.1', fileBatchBody())), 'GetStatusResponse'],
    ['SOAP 1.1 SOAPAction GetStatus, a foreign body element', soap11(soapAction('GetStatus'), envelope('1.1', '<x:Other xmlns:x="urn:x"/>')), 'GetStatusResponse'],
    ['SOAP 1.2 action FileBatch, GetStatus body', soap12('FileBatch', gs12), 'FileBatchResponse'],
    ['SOAP 1.2 action GetStatus, FileBatch body', soap12('GetStatus', envelope('1.2', fileBatchBody())), 'GetStatusResponse'],
    ['SOAP 1.2 unknown action: the body element decides', soap12(null, envelope('1.2', fileBatchBody())), 'FileBatchResponse'],
    ['SOAP 1.1 no SOAPAction: the body element decides', soap11(null, envelope('1.1', fileBatchBody())), 'FileBatchResponse'],
  ];
  for (const [label, q, element] of rows) {
    it(`${label}: ${element}`, async () => {
      const version = q.headers!['Content-Type']!.startsWith('text/xml') ? '1.1' : '1.2';
      check(await send(mock, q), {
        status: 200,
        type: CT[version],
        cache: OK,
        body: (b) => {
          const first = childElements(at(parseDoc(b), [[ENV[version], 'Envelope'], [ENV[version], 'Body']]))[0]!;
          assert.deepEqual([first.namespaceURI, first.localName], [API_NS, element]);
        },
      });
    });
  }

  it('FileBatch chosen by the SOAPAction runs with its fields absent (TimeOut 0, no files, no ExternalContext)', async () => {
    const r = await send(mock, soap11(soapAction('FileBatch'), envelope('1.1', `<GetStatus xmlns="${API_NS}"><TimeOut>5</TimeOut></GetStatus>`)));
    const id = /<MasterWorkflowInstanceId>(\d+)</.exec(r.body)![1]!;
    const stored = mock.app.batches.requestOf(BigInt(id))!;
    assert.deepEqual(
      [stored.TimeOut, stored.ExternalContext, stored.InputFile, stored.OutputFile],
      [0, null, null, null],
    );
    const status = await send(mock, soap11(soapAction('GetStatus'), envelope('1.1', getStatusBody, metadataHeader(id))));
    assert.ok(!status.body.includes('ExternalContext'), status.body);
  });
});

describe('the edges: application/json goes to the script handler (500 HTML), whatever the envelope', () => {
  const page = { status: 500, type: CT.html, cache: REFUSED, body: errorPage('') };
  table([
    ['a SOAP 1.1 envelope as application/json', soap11(soapAction('GetStatus'), gs11, 'application/json'), page],
    ['a SOAP 1.2 envelope as application/json; charset=utf-8', soap11(null, gs12, 'application/json; charset=utf-8'), page],
    ['a JSON body', soap11(null, '{"MasterWorkflowInstanceId":1}', 'application/json'), page],
    ['an empty JSON request', soap11(null, '', 'application/json'), page],
    ['JSON to an HTTP POST method path', { ...soap11(null, '{}', 'application/json'), path: `${SERVICE_PATH}/GetStatus` }, page],
  ]);
  it('nothing is stored', async () => {
    const before = mock.app.batches.count();
    await send(mock, soap11(soapAction('FileBatch'), envelope('1.1', fileBatchBody()), 'application/json'));
    assert.equal(mock.app.batches.count(), before);
  });
});

describe('the edges: HTTP POST /GetStatus with text/xml or no Content-Type is still the HTTP POST binding', () => {
  const batchOutput = (b: string) => {
    const root = parseDoc(b);
    assert.deepEqual([root.namespaceURI, root.localName], [API_NS, 'BatchOutput']);
  };
  table([
    [
      'text/xml with an XML body',
      { method: 'POST', path: `${SERVICE_PATH}/GetStatus`, headers: { 'Content-Type': 'text/xml' }, body: gs11 },
      { status: 200, type: CT['1.1'], cache: OK, body: batchOutput },
    ],
    [
      'text/xml; charset=utf-8, empty',
      { method: 'POST', path: `${SERVICE_PATH}/GetStatus`, headers: { 'Content-Type': CT['1.1'] }, body: '' },
      { status: 200, type: CT['1.1'], cache: OK, body: batchOutput },
    ],
    ['no Content-Type, empty', { method: 'POST', path: `${SERVICE_PATH}/GetStatus`, body: '' }, { status: 200, type: CT['1.1'], cache: OK, body: batchOutput }],
    ['no Content-Type, a body', { method: 'POST', path: `${SERVICE_PATH}/GetStatus`, body: 'x=1' }, { status: 200, type: CT['1.1'], cache: OK, body: batchOutput }],
    [
      'a form, as before',
      { method: 'POST', path: `${SERVICE_PATH}/GetStatus`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' },
      { status: 200, type: CT['1.1'], cache: OK, body: batchOutput },
    ],
  ]);
});

describe('the edges: service description requests', () => {
  const missingWsdl = { status: 500, type: CT.text, cache: OK, body: 'XML Web service description was not found.\r\n' };
  const missingSchema = { status: 500, type: CT.text, cache: OK, body: 'Schema not found.\r\n' };
  const page405 = { status: 405, type: CT.html, cache: REFUSED, body: '' };
  const rootMissing = {
    status: 500,
    type: CT['1.2'],
    cache: REFUSED,
    body: (b: string) => {
      isFault('1.2', 'soap:Receiver', 'Server was unable to process request. ---> Root element is missing.')(b);
      assert.ok(b.includes('Server was unable to process request. ---&gt; Root element is missing.'), b);
    },
  };
  table([
    ['?wsdl=x', { path: `${SERVICE_PATH}?wsdl=x` }, missingWsdl],
    ['?WSDL=wsdl1', { path: `${SERVICE_PATH}?WSDL=wsdl1` }, missingWsdl],
    ['?wsdl=0&op=GetStatus', { path: `${SERVICE_PATH}?wsdl=0&op=GetStatus` }, missingWsdl],
    ['?schema=x', { path: `${SERVICE_PATH}?schema=x` }, missingSchema],
    ['?Schema=schema1', { path: `${SERVICE_PATH}?Schema=schema1` }, missingSchema],
    ['HEAD ?wsdl: 405 (GET only)', { method: 'HEAD', path: `${SERVICE_PATH}?wsdl` }, page405],
    ['HEAD ?disco: 405', { method: 'HEAD', path: `${SERVICE_PATH}?disco` }, page405],
    ['POST ?wsdl, empty, no Content-Type: SOAP 1.2 Receiver fault', { method: 'POST', path: `${SERVICE_PATH}?wsdl`, headers: { 'Content-Length': '0' } }, rootMissing],
    [
      'POST ?WSDL, empty, text/plain',
      { method: 'POST', path: `${SERVICE_PATH}?WSDL`, headers: { 'Content-Type': 'text/plain', 'Content-Length': '0' } },
      rootMissing,
    ],
    ['POST to the .asmx, empty, no Content-Type', { method: 'POST', headers: { 'Content-Length': '0' } }, rootMissing],
    ['POST ?wsdl with a SOAP request is an ordinary SOAP POST', { ...soap11(soapAction('GetStatus'), gs11), path: `${SERVICE_PATH}?wsdl` }, { status: 200, type: CT['1.1'], cache: OK }],
  ]);

  for (const [label, path] of [
    ['//', '/SequenceServices//coraOcrIntegration_v1.0.0.asmx'],
    ['/// and letter case', '/sequenceServices///CoraOcrIntegration_v1.0.0.ASMX'],
    ['a leading //', '//SequenceServices/coraOcrIntegration_v1.0.0.asmx'],
  ]) {
    it(`${label} in the path reaches the service; WSDL and disco addresses repeat the path exactly`, async () => {
      const host = { Host: 'cora.example.test:8443' };
      const wsdl = await raw(`${mock.origin}${path}?wsdl`, { headers: host });
      check(wsdl, { status: 200, type: CT['1.1'], cache: OK });
      const addresses = [...wsdl.body.matchAll(/location="([^"]+)"/g)].map((m) => m[1]).filter((l) => l!.startsWith('http'));
      assert.deepEqual(addresses, Array(4).fill(`http://cora.example.test:8443${path}`));
      const disco = await raw(`${mock.origin}${path}?disco`, { headers: host });
      check(disco, { status: 200, type: CT['1.1'], cache: OK });
      assert.ok(disco.body.includes(`ref="http://cora.example.test:8443${path}?wsdl" docRef="http://cora.example.test:8443${path}"`), disco.body);
      const call = await raw(`${mock.origin}${path}`, soap11(soapAction('GetStatus'), gs11));
      check(call, { status: 200, type: CT['1.1'], cache: OK, body: /GetStatusResponse/ });
      const get = await raw(`${mock.origin}${path}/GetStatus`);
      check(get, { status: 200, type: CT['1.1'], cache: OK, body: /<BatchOutput / });
    });
  }
});

describe('the edges: HTTP GET/POST method names (500 text/plain, private, CRLF)', () => {
  const notValid = (name: string) => `${name} Web Service method name is not valid.\r\n`;
  const wrongCase = (name: string) =>
    `Invalid method name &#39;${name}&#39;,  method names are case sensitive.   The method name &#39;GetStatus&#39; with the same name but different casing was found.\r\n` +
    'Parameter name: methodName\r\n';
  const rows: [string, string, string][] = [
    ['GET', '/FileBatch', notValid('FileBatch')],
    ['POST', '/FileBatch', notValid('FileBatch')],
    ['GET', '/Nope', notValid('Nope')],
    ['POST', '/Nope', notValid('Nope')],
    ['GET', '/NoPe?x=1', notValid('NoPe')],
    ['GET', "/it's", notValid('it&#39;s')],
    ['GET', '/Get%20Status', notValid('Get Status')],
    ['GET', '/GetStatus/x', notValid('GetStatus/x')],
    ['GET', '/getstatus', wrongCase('getstatus')],
    ['POST', '/getstatus', wrongCase('getstatus')],
    ['GET', '/GETSTATUS', wrongCase('GETSTATUS')],
    ['GET', '/getStatus', wrongCase('getStatus')],
  ];
  for (const [method, path, body] of rows) {
    it(`${method} ${path}`, async () => {
      const q: Req = { method, path: SERVICE_PATH + path, ...(method === 'POST' ? { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' } : {}) };
      check(await send(mock, q), { status: 500, type: CT.text, cache: REFUSED, body });
    });
  }

  it('the wrong letter case: exactly two spaces after the comma and three after "sensitive."', async () => {
    const r = await raw(`${mock.serviceUrl}/getstatus`);
    assert.ok(r.body.includes("&#39;getstatus&#39;,  method names are case sensitive.   The method"), r.body);
    assert.ok(!r.body.includes('System.'), 'no exception type for a remote caller');
  });

  it('each refusal is journaled with its reason', async () => {
    mock.app.control.defaultWorld.clearRequests();
    await raw(`${mock.serviceUrl}/getstatus`);
    await raw(`${mock.serviceUrl}/Nope`);
    await raw(`${mock.serviceUrl}?wsdl=x`);
    await raw(mock.serviceUrl, { method: 'PUT' });
    const items = mock.app.control.defaultWorld.requests({}).items;
    assert.deepEqual(
      items.map((e) => [e.protocol, e.httpStatus, e.summary]),
      [
        ['httpget', 500, 'method name in the wrong letter case'],
        ['httpget', 500, 'unknown method name'],
        [null, 500, 'XML Web service description was not found.'],
        [null, 405, 'method PUT not allowed'],
      ],
    );
  });
});

describe('the edges: other verbs and paths (ASP.NET HTML error pages, private)', () => {
  const page = (status: number, message: string): Expect => ({ status, type: CT.html, cache: REFUSED, body: errorPage(message) });
  const unrecognized = 'Request format is unrecognized.';
  const ending = (rest: string) => `Request format is unrecognized for URL unexpectedly ending in '${rest}'.`;
  table([
    ['PUT on the .asmx: 405', { method: 'PUT', body: gs11 }, page(405, unrecognized)],
    ['DELETE on the .asmx: 405', { method: 'DELETE' }, page(405, unrecognized)],
    ['PATCH on the .asmx: 405', { method: 'PATCH' }, page(405, unrecognized)],
    ['OPTIONS on the .asmx: 405', { method: 'OPTIONS' }, page(405, unrecognized)],
    ['HEAD on the .asmx: 405, no body', { method: 'HEAD' }, { status: 405, type: CT.html, cache: REFUSED, body: '' }],
    ['DELETE .asmx/GetStatus: 500', { method: 'DELETE', path: `${SERVICE_PATH}/GetStatus` }, page(500, ending('/GetStatus'))],
    ['PUT .asmx/Nope: 500', { method: 'PUT', path: `${SERVICE_PATH}/Nope` }, page(500, ending('/Nope'))],
    ['GET .asmx/ (trailing slash): 500', { path: `${SERVICE_PATH}/` }, page(500, ending('/'))],
    ['POST .asmx/: 500', { method: 'POST', path: `${SERVICE_PATH}/`, body: '' }, page(500, ending('/'))],
    ['an unknown .asmx under the application: 404', { path: '/SequenceServices/Nope.asmx' }, page(404, 'The resource cannot be found.')],
    ['an unknown .asmx, POSTed: 404', { ...soap11(soapAction('GetStatus'), gs11), path: '/SequenceServices/other.asmx' }, page(404, 'The resource cannot be found.')],
    ['a near miss of the service name: 404', { path: `${SERVICE_PATH}x?wsdl` }, page(404, 'The resource cannot be found.')],
    ['the application root /SequenceServices/: 404', { path: '/SequenceServices/' }, page(404, 'The resource cannot be found.')],
    ['the application root in another letter case: 404', { path: '/sequenceservices' }, page(404, 'The resource cannot be found.')],
  ]);

  it('outside /SequenceServices the answer is a plain 404', async () => {
    for (const path of ['/', '/Other/coraOcrIntegration_v1.0.0.asmx', '/SequenceServicesX/']) {
      const r = await raw(mock.origin + path);
      assert.equal(r.status, 404, path);
    }
  });
});

describe('the edges: CUSTOM_ERRORS', () => {
  let off: RunningMock;
  before(async () => {
    off = await startMock({ CUSTOM_ERRORS: 'Off' });
  });
  after(() => off.close());

  it('Off, text/plain: the exception type, the message, the stack, a final CRLF (status and headers as with On)', async () => {
    const cases: [string, RegExp][] = [
      ['/Nope', /^System\.InvalidOperationException: Nope Web Service method name is not valid\.(\r\n   at [^\r\n]+)+\r\n$/],
      [
        '/getstatus',
        /^System\.ArgumentException: Invalid method name &#39;getstatus&#39;,  method names are case sensitive\.   The method name &#39;GetStatus&#39; with the same name but different casing was found\.\r\nParameter name: methodName\r\n   at System\.Web\.Services\.Protocols\.HttpServerProtocol\.Initialize\(\)(\r\n   at [^\r\n]+)*\r\n$/,
      ],
      ['?wsdl=x', /^System\.InvalidOperationException: XML Web service description was not found\.(\r\n   at [^\r\n]+)+\r\n$/],
      ['?schema=x', /^System\.InvalidOperationException: Schema not found\.(\r\n   at [^\r\n]+)+\r\n$/],
    ];
    for (const [suffix, body] of cases) {
      const [a, b] = await Promise.all([raw(mock.serviceUrl + suffix), raw(off.serviceUrl + suffix)]);
      check(b, { status: a.status, type: a.headers['content-type'], cache: a.headers['cache-control']!, body }, suffix);
      assert.ok(!a.body.startsWith('System.'), a.body);
    }
  });

  it('Off, SOAP faults: Exception.ToString() (type, inner exceptions, stack) in the fault text', async () => {
    const bad = await raw(off.serviceUrl, soap11('"urn:nothing"', gs11));
    check(bad, {
      status: 500,
      type: CT['1.1'],
      cache: REFUSED,
      body: isFault(
        '1.1',
        'soap:Client',
        /^System\.Web\.Services\.Protocols\.SoapException: Server did not recognize the value of HTTP Header SOAPAction: urn:nothing\.(\n   at [^\n]+)+$/,
      ),
    });
    const unreadable = await raw(off.serviceUrl, soap11(soapAction('GetStatus'), envelope('1.1', getStatusBody, metadataHeader('abc'))));
    const text = fault('1.1', unreadable.body).text;
    assert.match(
      text,
      /^System\.Web\.Services\.Protocols\.SoapException: Server was unable to read request\. ---> System\.InvalidOperationException: There is an error in XML document \(1, \d+\)\. ---> System\.FormatException: Input string was not in a correct format\.\n   at /,
    );
    assert.equal(text.match(/--- End of inner exception stack trace ---/g)?.length, 2, text);
    const empty = await raw(`${off.serviceUrl}?wsdl`, { method: 'POST', headers: { 'Content-Length': '0' } });
    check(empty, {
      status: 500,
      type: CT['1.2'],
      cache: REFUSED,
      body: isFault(
        '1.2',
        'soap:Receiver',
        /^System\.Web\.Services\.Protocols\.SoapException: Server was unable to process request\. ---> System\.Xml\.XmlException: Root element is missing\.\n   at [^]*\n   --- End of inner exception stack trace ---$/,
      ),
    });
    off.app.control.defaultWorld.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', code: 'Server', message: 'robot exploded' } });
    const thrown = await raw(off.serviceUrl, soap12('GetStatus', gs12));
    check(thrown, {
      status: 500,
      type: CT['1.2'],
      cache: OK,
      body: isFault('1.2', 'soap:Receiver', /^System\.Web\.Services\.Protocols\.SoapException: Server was unable to process request\. ---> System\.Exception: robot exploded\n   at .*GetStatus\(\)/),
    });
  });

  it('Off, HTML error pages: the exception details and the stack trace; On: neither', async () => {
    for (const [q, type] of [
      [{ method: 'PUT' }, 'System.Web.HttpException'],
      [{ method: 'DELETE', path: `${SERVICE_PATH}/GetStatus` }, 'System.InvalidOperationException'],
      [soap11(null, '{}', 'application/json'), 'System.InvalidOperationException'],
    ] as [Req, string][]) {
      const [a, b] = await Promise.all([send(mock, q), send(off, q)]);
      check(b, { status: a.status, type: CT.html, cache: REFUSED }, JSON.stringify(q));
      assert.ok(b.body.includes(`Exception Details: </b>${type}: `), b.body);
      assert.ok(b.body.includes('Stack Trace:'), b.body);
      assert.ok(!a.body.includes('Stack Trace:') && !a.body.includes('Exception Details'), a.body);
    }
  });

  it('successes are the same in both forms', async () => {
    const id = await submit(off);
    const r = await raw(off.serviceUrl, soap11(soapAction('GetStatus'), envelope('1.1', getStatusBody, metadataHeader(id))));
    check(r, { status: 200, type: CT['1.1'], cache: OK, body: /<Status>Queued<\/Status>/ });
  });

  it('the setting: On by default, On/Off in any letter case, from the environment or --custom-errors; anything else is refused', () => {
    assert.equal(loadConfig({}).customErrors, 'On');
    for (const [raw, want] of [
      ['on', 'On'],
      ['OFF', 'Off'],
      ['Off', 'Off'],
      [' oN ', 'On'],
    ] as const) {
      assert.equal(loadConfig({ CUSTOM_ERRORS: raw }).customErrors, want, raw);
    }
    assert.equal(loadConfig({ CUSTOM_ERRORS: 'On' }, ['--custom-errors', 'off']).customErrors, 'Off');
    assert.equal(loadConfig({}, ['--custom-errors=OFF']).customErrors, 'Off');
    for (const bad of ['RemoteOnly', 'yes', '1']) {
      assert.throws(() => loadConfig({ CUSTOM_ERRORS: bad }), /invalid CUSTOM_ERRORS: .* is not On or Off/);
    }
  });
});
