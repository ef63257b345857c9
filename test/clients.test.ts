// Real SOAP clients end to end: the `soap` package, Python zeep (a non-Node toolkit), and the
// vendor page's sample envelopes sent verbatim.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as soap from 'soap';
import { API_NS, SOAP11, SOAP12 } from './support/constants';
import { RunningMock, raw, startMock, status } from './support/mock';

const BIG_START = 2n ** 53n + 1n;
let mock: RunningMock;
before(async () => {
  mock = await startMock({ FIRST_BATCH_ID: BIG_START.toString() });
});
after(() => mock.close());

const fileRef = (name: string) => ({ Connection: 'OcrShare', RelativeLocation: 'in/2024', FileName: name });

describe('the soap package client', () => {
  for (const soap12 of [false, true]) {
    it(`FileBatch then GetStatus with the ActivityMetadata header over SOAP ${soap12 ? '1.2' : '1.1'}`, async () => {
      // s:long must be read as text: a JS number would round ids above 2^53.
      const client = await soap.createClientAsync(`${mock.serviceUrl}?wsdl`, {
        forceSoap12Headers: soap12,
        customDeserializer: { long: (text: string) => text },
      });
      const [created] = await client.FileBatchAsync({
        TimeOut: 300,
        ExternalContext: `soap-client-${soap12}`,
        InputFile: fileRef('a.pdf'),
        OCRProfile: 'InvoiceProfile',
        OutputFile: fileRef('a.xml'),
        PutModel: 'Replace',
      });
      const id: string = created.MasterWorkflowInstanceId;
      assert.match(id, /^\d+$/);
      assert.ok(BigInt(id) >= BIG_START, 'a 64-bit id above 2^53, exact');
      client.addSoapHeader({ ActivityMetadata: { MasterWorkflowInstanceId: id, CallerId: 7 } }, '', 'tns', API_NS);
      const [result, rawResponse] = await client.GetStatusAsync({});
      assert.deepEqual(result.Output, { Status: 'Queued', ErrorCode: 'NoError', ExternalContext: `soap-client-${soap12}` });
      assert.ok((rawResponse as string).includes(soap12 ? SOAP12 : SOAP11));
      const stored = mock.app.batches.details(BigInt(id)).batch;
      assert.equal(stored.request.InputFile?.FileName, 'a.pdf');
      assert.equal(stored.metadata, null, 'FileBatch carried no header');
    });
  }

  it('sees a SOAP fault as an error with the ASMX faultstring', async () => {
    const client = await soap.createClientAsync(`${mock.serviceUrl}?wsdl`);
    client.addSoapHeader({ ActivityMetadata: { MasterWorkflowInstanceId: 'abc' } }, '', 'tns', API_NS);
    await assert.rejects(client.GetStatusAsync({}), (err: { root?: { Envelope?: { Body?: { Fault?: { faultstring?: string } } } } }) => {
      assert.match(err.root!.Envelope!.Body!.Fault!.faultstring!, /Server was unable to read request/);
      return true;
    });
  });
});

describe('Python zeep (non-Node toolkit)', () => {
  const python = '/usr/bin/python3';
  const hasZeep = fs.existsSync(python) && fs.existsSync('/usr/lib/python3/dist-packages/zeep');
  // CI installs python3-zeep (.ci/run); a developer machine without it skips, visibly.
  it('FileBatch and GetStatus with the header over SOAP 1.1 and 1.2, with ids above 2^53', { skip: !hasZeep && !process.env['CI'] ? 'python3-zeep is not installed (apt-get install python3-zeep)' : false }, async () => {
    const script = path.join(__dirname, 'clients', 'zeep_client.py');
    const { stdout } = await promisify(execFile)(python, [script, `${mock.serviceUrl}?wsdl`], { timeout: 60_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.equal(lines.length, 4);
    for (const binding of ['CoraOcrIntegrationSoap', 'CoraOcrIntegrationSoap12']) {
      const created = lines.find((l) => l['binding'] === binding && l['op'] === 'FileBatch')!;
      const polled = lines.find((l) => l['binding'] === binding && l['op'] === 'GetStatus')!;
      assert.ok(BigInt(created['id']!) >= BIG_START);
      assert.deepEqual(polled, { binding, op: 'GetStatus', status: 'Queued', errorCode: 'NoError', externalContext: `zeep-${binding}` });
      const stored = mock.app.batches.details(BigInt(created['id']!)).batch;
      assert.equal(stored.request.OCRProfile, 'InvoiceProfile');
      assert.equal(stored.metadata?.WorkflowId, '7c9e6679-7425-40de-944b-e07fc1f90ae7');
      assert.equal(stored.metadata?.CallerId, 3);
    }
  });
});

describe("the vendor page's sample requests, verbatim with values filled in", () => {
  const header = (id: string) => `    <ActivityMetadata xmlns="http://genpact.com/cora/orchestration/ocr/1.0.0/api/">
      <WorkflowSpaceId>0f8fad5b-d9cb-469f-a165-70867728950e</WorkflowSpaceId>
      <WorkflowSpaceName>Finance</WorkflowSpaceName>
      <WorkflowId>7c9e6679-7425-40de-944b-e07fc1f90ae7</WorkflowId>
      <WorkflowName>Invoices</WorkflowName>
      <WorkflowInstanceId>123456</WorkflowInstanceId>
      <ActivityId>16fd2706-8baf-433b-82eb-8c7fada847da</ActivityId>
      <ActivityName>OCR</ActivityName>
      <ActivityInstanceId>654321</ActivityInstanceId>
      <CallerId>42</CallerId>
      <MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId>
    </ActivityMetadata>`;

  it('SOAP 1.1 GetStatus', async () => {
    const id = (await mock.app.batches.submit(
      { TimeOut: 300, ExternalContext: 'vendor', InputFile: null, OCRProfile: 'p', OutputFile: null, PutModel: 'm' },
      null,
    )).toString();
    const body = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
${header(id)}
  </soap:Header>
  <soap:Body>
    <GetStatus xmlns="http://genpact.com/cora/orchestration/ocr/1.0.0/api/" />
  </soap:Body>
</soap:Envelope>`;
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: {
        Host: 'admindev.pnmsoftlabs.com',
        'Content-Type': 'text/xml; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(body)),
        SOAPAction: '"http://genpact.com/cora/orchestration/ocr/1.0.0/api/GetStatus"',
      },
      body,
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/xml; charset=utf-8');
    assert.ok(r.body.includes('<Output><Status>Queued</Status><ErrorCode>NoError</ErrorCode><ExternalContext>vendor</ExternalContext></Output>'));
  });

  it('SOAP 1.2 GetStatus (the soap12 prefix of the request is answered with prefix soap, as real ASMX does)', async () => {
    const id = (await mock.app.batches.submit(
      { TimeOut: 300, ExternalContext: null, InputFile: null, OCRProfile: 'p', OutputFile: null, PutModel: 'm' },
      null,
    )).toString();
    const body = `<?xml version="1.0" encoding="utf-8"?>
<soap12:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap12="http://www.w3.org/2003/05/soap-envelope">
  <soap12:Header>
${header(id)}
  </soap12:Header>
  <soap12:Body>
    <GetStatus xmlns="http://genpact.com/cora/orchestration/ocr/1.0.0/api/" />
  </soap12:Body>
</soap12:Envelope>`;
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { Host: 'admindev.pnmsoftlabs.com', 'Content-Type': 'application/soap+xml; charset=utf-8' },
      body,
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/soap+xml; charset=utf-8');
    assert.ok(r.body.includes('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"'));
    assert.ok(r.body.includes('<Status>Queued</Status><ErrorCode>NoError</ErrorCode></Output>'));
  });

  it('HTTP GET and POST GetStatus', async () => {
    const get = await raw(`${mock.serviceUrl}/GetStatus?`, { headers: { Host: 'admindev.pnmsoftlabs.com' } });
    assert.equal(get.status, 200);
    assert.match(get.body, /<BatchOutput [^>]*xmlns="http:\/\/genpact.com\/cora\/orchestration\/ocr\/1.0.0\/api\/">/);
    const post = await raw(`${mock.origin}/SequenceServices/coraOCrIntegration_v1.0.0.asmx/GetStatus`, {
      method: 'POST',
      headers: { Host: 'admindev.pnmsoftlabs.com', 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '0' },
      body: '',
    });
    assert.equal(post.status, 200);
    assert.equal(post.body, get.body);
  });

  it('the full metadata header is stored with the batch FileBatch creates', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
${header('0')}
  </soap:Header>
  <soap:Body>
    <FileBatch xmlns="http://genpact.com/cora/orchestration/ocr/1.0.0/api/">
      <TimeOut>300</TimeOut>
      <ExternalContext>ctx</ExternalContext>
      <InputFile><Connection>OcrShare</Connection><RelativeLocation>in/2024</RelativeLocation><FileName>invoice-0001.pdf</FileName></InputFile>
      <OCRProfile>InvoiceProfile</OCRProfile>
      <OutputFile><Connection>OcrShare</Connection><RelativeLocation>out/2024</RelativeLocation><FileName>invoice-0001.xml</FileName></OutputFile>
      <PutModel>Replace</PutModel>
    </FileBatch>
  </soap:Body>
</soap:Envelope>`;
    const r = await raw(mock.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"http://genpact.com/cora/orchestration/ocr/1.0.0/api/FileBatch"' },
      body,
    });
    assert.equal(r.status, 200, r.body);
    const id = /<MasterWorkflowInstanceId>(\d+)</.exec(r.body)![1]!;
    const stored = mock.app.batches.details(BigInt(id)).batch;
    assert.deepEqual(stored.metadata, {
      WorkflowSpaceId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      WorkflowSpaceName: 'Finance',
      WorkflowId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      WorkflowName: 'Invoices',
      WorkflowInstanceId: '123456',
      ActivityId: '16fd2706-8baf-433b-82eb-8c7fada847da',
      ActivityName: 'OCR',
      ActivityInstanceId: '654321',
      CallerId: 42,
      MasterWorkflowInstanceId: '0',
    });
    assert.deepEqual(stored.request.OutputFile, { Connection: 'OcrShare', RelativeLocation: 'out/2024', FileName: 'invoice-0001.xml' });
    assert.equal((await status(mock, id)).externalContext, 'ctx');
  });
});
