// The wire contract (CONTRACT.md "On the wire"), rule by rule, against a real server over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_NS, CONTENT_TYPE as CT, ENVELOPE_NS as ENV, SERVICE_PATH, SOAP12, SOAP_VERSIONS as VERSIONS, XSD, XSI } from './support/constants';
import {
  RunningMock,
  envelope,
  fileBatchBody,
  metadataHeader,
  raw,
  soapAction,
  soapPost,
  startMock,
  submit,
} from './support/mock';
import { at, childElements, parseDoc } from './support/xml';

const getStatusBody = `<GetStatus xmlns="${API_NS}" />`;

let mock: RunningMock;
before(async () => {
  mock = await startMock();
});
after(() => mock.close());

/** Checks the ASMX success envelope: prefix soap, xsi+xsd declared, one line, no Header. */
function assertEnvelope(version: '1.1' | '1.2', body: string) {
  assert.ok(
    body.startsWith(
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENV[version]}" xmlns:xsi="${XSI}" xmlns:xsd="${XSD}"><soap:Body>`,
    ),
    body,
  );
  assert.ok(!/>\s+</.test(body), 'no whitespace between elements');
  assert.ok(!body.includes('Header'), 'no Header element');
  const root = parseDoc(body);
  assert.equal(root.namespaceURI, ENV[version]);
  assert.equal(root.prefix, 'soap');
  return root;
}

/** Checks an ASMX fault and returns [code, text, hasDetail]. */
function readFault(version: '1.1' | '1.2', body: string): [string, string, boolean] {
  const root = parseDoc(body);
  const fault = at(root, [
    [ENV[version], 'Envelope'],
    [ENV[version], 'Body'],
    [ENV[version], 'Fault'],
  ]);
  const kids = childElements(fault);
  if (version === '1.1') {
    // faultcode, faultstring, detail are unqualified in SOAP 1.1
    assert.deepEqual(
      kids.map((k) => [k.namespaceURI ?? null, k.localName]),
      [[null, 'faultcode'], [null, 'faultstring'], ...(kids.length === 3 ? [[null, 'detail']] : [])],
    );
    return [kids[0]!.textContent!, kids[1]!.textContent!, kids.length === 3];
  }
  const code = at(fault, [
    [SOAP12, 'Fault'],
    [SOAP12, 'Code'],
    [SOAP12, 'Value'],
  ]);
  const text = at(fault, [
    [SOAP12, 'Fault'],
    [SOAP12, 'Reason'],
    [SOAP12, 'Text'],
  ]);
  assert.equal(text.getAttributeNS('http://www.w3.org/XML/1998/namespace', 'lang'), 'en');
  const hasDetail = kids.some((k) => k.localName === 'Detail' && k.namespaceURI === SOAP12);
  return [code.textContent!, text.textContent!, hasDetail];
}

describe('success responses', () => {
  for (const v of VERSIONS) {
    it(`SOAP ${v} FileBatch returns MasterWorkflowInstanceId`, async () => {
      const r = await soapPost(mock, v, 'FileBatch', envelope(v, fileBatchBody({ ExternalContext: 'ctx' })));
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], CT[v]);
      assert.equal(r.headers['cache-control'], 'private, max-age=0');
      const root = assertEnvelope(v, r.body);
      const resp = at(root, [
        [ENV[v], 'Envelope'],
        [ENV[v], 'Body'],
        [API_NS, 'FileBatchResponse'],
      ]);
      const id = at(resp, [[API_NS, 'FileBatchResponse'], [API_NS, 'MasterWorkflowInstanceId']]);
      assert.match(id.textContent!, /^\d+$/);
    });

    it(`SOAP ${v} GetStatus returns Output with Status, ErrorCode and the ExternalContext echoed`, async () => {
      const id = await submit(mock, { ExternalContext: 'order &amp; 42' });
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody, metadataHeader(id)));
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], CT[v]);
      assert.equal(r.headers['cache-control'], 'private, max-age=0');
      const root = assertEnvelope(v, r.body);
      const out = at(root, [
        [ENV[v], 'Envelope'],
        [ENV[v], 'Body'],
        [API_NS, 'GetStatusResponse'],
        [API_NS, 'Output'],
      ]);
      assert.deepEqual(
        childElements(out).map((e) => [e.namespaceURI, e.localName, e.textContent]),
        [
          [API_NS, 'Status', 'Queued'],
          [API_NS, 'ErrorCode', 'NoError'],
          [API_NS, 'ExternalContext', 'order & 42'],
        ],
      );
      assert.ok(r.body.includes(`<GetStatusResponse xmlns="${API_NS}"><Output><Status>Queued</Status>`), 'default namespace, no prefix');
    });

    it(`SOAP ${v} omits ExternalContext when FileBatch had none, and answers NotFound for unknown ids`, async () => {
      const id = await submit(mock);
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody, metadataHeader(id)));
      assert.ok(!r.body.includes('ExternalContext'), r.body);
      const nf = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody, metadataHeader('987654321')));
      assert.equal(nf.status, 200);
      assert.ok(nf.body.includes('<Output><Status>NotFound</Status><ErrorCode>NoError</ErrorCode></Output>'), nf.body);
    });

    it(`SOAP ${v} GetStatus with no ActivityMetadata header is not a fault: NotFound`, async () => {
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody));
      assert.equal(r.status, 200);
      assert.ok(r.body.includes('<Status>NotFound</Status>'), r.body);
    });
  }

  it('an empty ExternalContext is echoed as an empty element (XmlSerializer writes "" that way)', async () => {
    const id = await submit(mock, { ExternalContext: '' });
    const r = await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', getStatusBody, metadataHeader(id)));
    assert.ok(r.body.includes('<ErrorCode>NoError</ErrorCode><ExternalContext /></Output>'), r.body);
  });
});

describe('HTTP GET and POST bindings', () => {
  const cases: { name: string; method: 'GET' | 'POST'; path: (id: string) => string; body?: (id: string) => string }[] = [
    { name: 'GET /GetStatus', method: 'GET', path: () => '/GetStatus' },
    { name: 'GET /GetStatus?', method: 'GET', path: () => '/GetStatus?' },
    { name: 'GET with the id extension', method: 'GET', path: (id) => `/GetStatus?MasterWorkflowInstanceId=${id}` },
    { name: 'POST form', method: 'POST', path: () => '/GetStatus', body: () => '' },
    { name: 'POST form with the id extension', method: 'POST', path: () => '/GetStatus', body: (id) => `MasterWorkflowInstanceId=${id}` },
  ];
  for (const c of cases) {
    it(`${c.name}: 200 text/xml, indented BatchOutput root`, async () => {
      const id = await submit(mock, { ExternalContext: 'x' });
      const r = await raw(mock.serviceUrl + c.path(id), {
        method: c.method,
        ...(c.body ? { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: c.body(id) } : {}),
      });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/xml; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'private, max-age=0');
      assert.ok(
        r.body.startsWith(
          `<?xml version="1.0" encoding="utf-8"?>\r\n<BatchOutput xmlns:xsd="${XSD}" xmlns:xsi="${XSI}" xmlns="${API_NS}">\r\n  <Status>`,
        ),
        r.body,
      );
      const root = parseDoc(r.body);
      assert.equal(root.namespaceURI, API_NS);
      assert.equal(root.localName, 'BatchOutput');
      const withId = c.path(id).includes(id) || (c.body?.(id) ?? '').includes(id);
      const kids = childElements(root).map((e) => [e.namespaceURI, e.localName, e.textContent]);
      assert.deepEqual(
        kids,
        withId
          ? [
              [API_NS, 'Status', 'Queued'],
              [API_NS, 'ErrorCode', 'NoError'],
              [API_NS, 'ExternalContext', 'x'],
            ]
          : [
              [API_NS, 'Status', 'NotFound'],
              [API_NS, 'ErrorCode', 'NoError'],
            ],
      );
    });
  }

  const wrongCase = (name: string) =>
    `Invalid method name &#39;${name}&#39;,  method names are case sensitive.   The method name &#39;GetStatus&#39; with the same name but different casing was found.\r\nParameter name: methodName`;
  const invalid: [string, string, string][] = [
    ['GET', '/getstatus', wrongCase('getstatus')],
    ['GET', '/GETSTATUS', wrongCase('GETSTATUS')],
    ['GET', '/FileBatch', 'FileBatch Web Service method name is not valid.'],
    ['POST', '/FileBatch', 'FileBatch Web Service method name is not valid.'],
    ['GET', '/Nope', 'Nope Web Service method name is not valid.'],
  ];
  for (const [method, path, message] of invalid) {
    it(`${method} ${path}: 500 text/plain "${message}"`, async () => {
      const r = await raw(mock.serviceUrl + path, { method, ...(method === 'POST' ? { body: '' } : {}) });
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
      assert.ok(r.body.includes(message), r.body);
    });
  }

  it('a non-numeric id parameter is a 500 text/plain conversion error, never a crash', async () => {
    const r = await raw(mock.serviceUrl + '/GetStatus?MasterWorkflowInstanceId=abc');
    assert.equal(r.status, 500);
    assert.match(r.body, /Cannot convert abc to System\.Int64/);
  });

  it('POST /GetStatus with a text/xml body is still the HTTP POST binding (the body is not read)', async () => {
    const r = await raw(mock.serviceUrl + '/GetStatus', { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<x/>' });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('<BatchOutput '), r.body);
  });
});

describe('routing', () => {
  const fb = envelope('1.1', fileBatchBody());
  const gs = (id: string) => envelope('1.1', getStatusBody, metadataHeader(id));

  for (const [label, value] of [
    ['quoted', soapAction('FileBatch')],
    ['bare', `${API_NS}FileBatch`],
  ] as const) {
    it(`SOAP 1.1 routes by SOAPAction, ${label}`, async () => {
      const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'], SOAPAction: value }, body: fb });
      assert.equal(r.status, 200);
      assert.ok(r.body.includes('FileBatchResponse'));
    });
  }

  it('SOAP 1.1 without a SOAPAction header routes by the first body element', async () => {
    const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'] }, body: gs('1') });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('GetStatusResponse'));
  });

  for (const value of [`"${API_NS}getstatus"`, '"urn:nothing"', '""', `"${API_NS.toUpperCase()}GetStatus"`]) {
    it(`SOAP 1.1 SOAPAction ${value} is a soap:Client fault naming the value`, async () => {
      const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'], SOAPAction: value }, body: gs('1') });
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], CT['1.1']);
      const [code, text, detail] = readFault('1.1', r.body);
      assert.equal(code, 'soap:Client');
      assert.equal(text, `Server did not recognize the value of HTTP Header SOAPAction: ${value.slice(1, -1)}.`);
      assert.equal(detail, true);
    });
  }

  it('SOAP 1.2 routes by the action parameter of the Content-Type', async () => {
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="${API_NS}FileBatch"` },
      body: envelope('1.2', fileBatchBody()),
    });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('FileBatchResponse'));
  });

  it('SOAP 1.2 without action routes by the body element', async () => {
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
      body: envelope('1.2', getStatusBody),
    });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('GetStatusResponse'));
  });

  it('SOAP 1.2 with an unrecognised action falls back to the body element', async () => {
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="urn:x"` },
      body: envelope('1.2', getStatusBody),
    });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('GetStatusResponse'));
  });

  for (const [label, ct, body, message] of [
    [
      'an unknown action and an unknown body element',
      `application/soap+xml; charset=utf-8; action="urn:x"`,
      envelope('1.2', `<Nope xmlns="${API_NS}"/>`),
      "Unable to handle request. The action 'urn:x' was not recognized.",
    ],
    [
      'no action and an unknown body element',
      'application/soap+xml; charset=utf-8',
      envelope('1.2', `<Nope xmlns="${API_NS}"/>`),
      'Unable to handle request without a valid action parameter. Please supply a valid soap action.',
    ],
  ] as const) {
    it(`SOAP 1.2 with ${label} is a soap:Sender fault`, async () => {
      const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': ct }, body });
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], CT['1.2']);
      const [code, text] = readFault('1.2', r.body);
      assert.equal(code, 'soap:Sender');
      assert.equal(text, message);
    });
  }

  it('SOAP 1.1 with no SOAPAction and an unknown body element asks for an action', async () => {
    const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'] }, body: envelope('1.1', `<Nope xmlns="${API_NS}"/>`) });
    assert.equal(r.status, 500);
    const [code, text] = readFault('1.1', r.body);
    assert.equal(code, 'soap:Client');
    assert.equal(text, 'Unable to handle request without a valid action parameter. Please supply a valid soap action.');
  });

  it('a SOAP 1.2 envelope sent as text/xml is answered in SOAP 1.2', async () => {
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': CT['1.1'], SOAPAction: soapAction('GetStatus') },
      body: envelope('1.2', getStatusBody),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], CT['1.2']);
    assertEnvelope('1.2', r.body);
  });

  for (const ct of ['application/soap+xml; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded']) {
    it(`a SOAP 1.1 envelope sent as ${ct} is a 415 with an empty body`, async () => {
      const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': ct, SOAPAction: soapAction('GetStatus') }, body: gs('1') });
      assert.equal(r.status, 415);
      assert.equal(r.body, '');
    });
  }

  for (const path of [
    '/SequenceServices/coraOCrIntegration_v1.0.0.asmx',
    '/sequenceservices/coraocrintegration_v1.0.0.asmx',
    '/SEQUENCESERVICES/CORAOCRINTEGRATION_V1.0.0.ASMX',
    '/SequenceServices/coraOcrIntegration_v1.0.0.ASMX',
  ]) {
    it(`the service path is case-insensitive: ${path}`, async () => {
      const r = await raw(mock.origin + path, {
        method: 'POST',
        headers: { 'Content-Type': CT['1.1'], SOAPAction: soapAction('GetStatus') },
        body: gs('1'),
      });
      assert.equal(r.status, 200);
    });
  }

  it('the SOAPAction chooses the operation whatever the body element is', async () => {
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': CT['1.1'], SOAPAction: soapAction('GetStatus') },
      body: fb,
    });
    assert.equal(r.status, 200);
    assert.ok(r.body.includes('<GetStatusResponse '), r.body);
  });
});

describe('errors', () => {
  for (const [label, body] of [
    ['an empty body', ''],
    ['malformed XML', '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'],
    ['text that is not XML', 'hello'],
    ['an undeclared prefix', '<soap:Envelope><soap:Body/></soap:Envelope>'],
    ['a DTD', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${envelope('1.1', getStatusBody).replace(/^<\?xml[^>]*\?>/, '')}`],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e])],
  ] as const) {
    it(`${label}: 400 with an empty body`, async () => {
      const r = await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'], SOAPAction: soapAction('GetStatus') }, body });
      assert.equal(r.status, 400);
      assert.equal(r.body, '');
    });
  }

  for (const v of VERSIONS) {
    it(`SOAP ${v}: "abc" where a long belongs is soap:Client "unable to read request" with a position`, async () => {
      const env = envelope(v, getStatusBody, metadataHeader('abc'));
      const r = await soapPost(mock, v, 'GetStatus', env);
      // XmlReader stands on the next node once the value is read: here the name in </ActivityMetadata>.
      const col = env.indexOf('</ActivityMetadata>') + 3;
      assert.ok(r.body.includes(`There is an error in XML document (1, ${col}).`), r.body);
      assert.equal(r.status, 500);
      assert.equal(r.headers['content-type'], CT[v]);
      const [code, text, detail] = readFault(v, r.body);
      assert.equal(code, v === '1.1' ? 'soap:Client' : 'soap:Sender');
      assert.match(
        text,
        /^Server was unable to read request\. ---> There is an error in XML document \(1, \d+\)\. ---> Input string was not in a correct format\.$/,
      );
      assert.equal(detail, true);
      assert.ok(r.body.includes('---&gt;'), 'the arrow is escaped as ASMX writes it');
    });

    it(`SOAP ${v}: an unknown header with mustUnderstand="1" is soap:MustUnderstand with no detail`, async () => {
      const header = `<x:Trace xmlns:x="urn:trace" soap:mustUnderstand="1">t</x:Trace>`;
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody, header));
      assert.equal(r.status, 500);
      const [code, text, detail] = readFault(v, r.body);
      assert.equal(code, 'soap:MustUnderstand');
      assert.equal(text, 'SOAP header x:Trace was not understood.');
      assert.equal(detail, false);
    });

    it(`SOAP ${v}: ActivityMetadata itself marked mustUnderstand (as gSOAP sends it) is understood`, async () => {
      const header = metadataHeader('1').replace('<ActivityMetadata ', '<ActivityMetadata soap:mustUnderstand="1" ');
      const r = await soapPost(mock, v, 'GetStatus', envelope(v, getStatusBody, header));
      assert.equal(r.status, 200);
    });
  }

  const badFileBatch: [string, string, RegExp][] = [
    ['TimeOut not an int', fileBatchBody({ TimeOut: 'soon' }), /There is an error in XML document \(1, \d+\)\. ---> Input string was not in a correct format\.$/],
    ['TimeOut overflowing Int32', fileBatchBody({ TimeOut: '2147483648' }), /Value was either too large or too small for an Int32\.$/],
    ['TimeOut missing', fileBatchBody().replace(/<TimeOut>.*<\/TimeOut>/, ''), /Required element TimeOut of FileBatch is missing/],
    ['OCRProfile missing', fileBatchBody().replace(/<OCRProfile>.*<\/OCRProfile>/, ''), /Required element OCRProfile/],
    ['PutModel missing', fileBatchBody().replace(/<PutModel>.*<\/PutModel>/, ''), /Required element PutModel/],
    [
      'children unqualified (a common client mistake)',
      `<FileBatch xmlns:a="${API_NS}"><TimeOut>1</TimeOut><OCRProfile>p</OCRProfile><PutModel>m</PutModel></FileBatch>`.replace(
        '<FileBatch xmlns:a',
        '<a:FileBatch xmlns:a',
      ).replace('</FileBatch>', '</a:FileBatch>'),
      /Required element TimeOut/,
    ],
  ];
  for (const [label, body, message] of badFileBatch) {
    it(`FileBatch with ${label}: soap:Client fault, nothing stored`, async () => {
      const before = mock.app.batches.count();
      const r = await soapPost(mock, '1.1', 'FileBatch', envelope('1.1', body));
      assert.equal(r.status, 500);
      const [code, text] = readFault('1.1', r.body);
      assert.equal(code, 'soap:Client');
      assert.match(text, /^Server was unable to read request\. ---> /);
      assert.match(text, message);
      assert.equal(mock.app.batches.count(), before);
    });
  }

  it('a bad guid in ActivityMetadata is reported as .NET reports it', async () => {
    const header = `<ActivityMetadata xmlns="${API_NS}"><WorkflowSpaceId>not-a-guid</WorkflowSpaceId><MasterWorkflowInstanceId>1</MasterWorkflowInstanceId></ActivityMetadata>`;
    const r = await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', getStatusBody, header));
    const [, text] = readFault('1.1', r.body);
    assert.match(text, /Guid should contain 32 digits with 4 dashes/);
  });

  it('a body over the limit is a 413', async () => {
    const small = await startMock({ BODY_LIMIT: '4kb' });
    try {
      const big = envelope('1.1', fileBatchBody({ ExternalContext: 'x'.repeat(8192) }));
      const r = await raw(small.serviceUrl, { method: 'POST', headers: { 'Content-Type': CT['1.1'], SOAPAction: soapAction('FileBatch') }, body: big });
      assert.equal(r.status, 413);
      assert.equal(small.app.batches.count(), 0);
    } finally {
      await small.close();
    }
  });
});

describe('service description', () => {
  for (const q of ['wsdl', 'WSDL', 'Wsdl']) {
    it(`GET ?${q} serves the WSDL with addresses built from Host and path`, async () => {
      const path = '/sequenceServices/CoraOcrIntegration_v1.0.0.asmx';
      const r = await raw(`${mock.origin}${path}?${q}`, { headers: { Host: 'cora.example.test:8443' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/xml; charset=utf-8');
      const root = parseDoc(r.body);
      assert.equal(root.localName, 'definitions');
      assert.equal(root.getAttribute('targetNamespace'), API_NS);
      const locations = [...r.body.matchAll(/location="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(locations.filter((l) => l!.startsWith('http')), Array(4).fill(`http://cora.example.test:8443${path}`));
      for (const binding of ['CoraOcrIntegrationSoap', 'CoraOcrIntegrationSoap12', 'CoraOcrIntegrationHttpGet', 'CoraOcrIntegrationHttpPost']) {
        assert.ok(r.body.includes(`<wsdl:binding name="${binding}"`), binding);
      }
    });
  }

  it('POST ?wsdl is not the WSDL (GET only)', async () => {
    const r = await raw(`${mock.serviceUrl}?wsdl`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(r.status, 415);
  });

  it('GET ?disco points at the WSDL and both SOAP bindings', async () => {
    const r = await raw(`${mock.serviceUrl}?disco`, { headers: { Host: 'h:1' } });
    assert.equal(r.status, 200);
    const root = parseDoc(r.body);
    assert.equal(root.namespaceURI, 'http://schemas.xmlsoap.org/disco/');
    assert.ok(r.body.includes(`ref="http://h:1${SERVICE_PATH}?wsdl"`));
    assert.ok(r.body.includes('binding="q1:CoraOcrIntegrationSoap"') && r.body.includes('binding="q2:CoraOcrIntegrationSoap12"'));
  });

  it('GET of the .asmx is an HTML help page listing the operations with samples', async () => {
    const r = await raw(mock.serviceUrl);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type']!, /^text\/html/);
    assert.ok(r.body.includes('?op=FileBatch') && r.body.includes('?op=GetStatus'));
    const op = await raw(`${mock.serviceUrl}?op=GetStatus`);
    assert.ok(op.body.includes('SOAP 1.1') && op.body.includes('SOAP 1.2') && op.body.includes('HTTP GET'));
    assert.ok(op.body.includes('&lt;ActivityMetadata'));
  });
});
