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
    mock.app.control.clearRequests();
    await raw(`${mock.serviceUrl}/getstatus`);
    await raw(`${mock.serviceUrl}/Nope`);
    await raw(mock.serviceUrl, { method: 'PUT' });
    const items = mock.app.control.requests({}).items;
    assert.deepEqual(
      items.map((e) => [e.protocol, e.httpStatus, e.summary]),
      [
        ['httpget', 500, 'method name in the wrong letter case'],
        ['httpget', 500, 'unknown method name'],
        [null, 405, 'method PUT not allowed'],
      ],
    );
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
    off.app.control.addRule({ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', code: 'Server', message: 'robot exploded' } });
    const thrown = await raw(off.serviceUrl, soap12('GetStatus', gs12));
    check(thrown, {
      status: 500,
      type: CT['1.2'],
      cache: REFUSED,
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
