// Eight test workers, one shared mock, no interference: each worker runs in its own namespace.
// A worker points its system under test at /ns/{name}/SequenceServices/... (the only thing a
// system under test can usually change is its service URL) and drives the mock's admin API in the
// same namespace: it resets, freezes and advances its own clock, scripts its own failures and
// reads its own journal, while the seven others do the same at the same time.
//
//   npm run build && npm start &            # or docker-compose up, or any running mock
//   CORA_MOCK_URL=http://127.0.0.1:8080 node --test examples/parallel-suites/
//
// In a real suite, the worker's namespace is e.g. `suite-${process.env.TEST_WORKER_INDEX}` or the
// CI job id, and the system under test gets the matching service URL from its configuration.
import assert from 'node:assert/strict';
import { describe, it, beforeEach } from 'node:test';
// As an installed package exposes it (inside this checkout the name resolves to the package itself).
import { AdminClient } from 'cora-ocr-mock/client';
const MOCK = (process.env.CORA_MOCK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const API = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';
const WORKERS = 8;

/** The system under test, reduced to the two calls it makes: FileBatch, then GetStatus. */
function systemUnderTest(serviceUrl) {
  const call = async (op, header, body) => {
    const res = await fetch(serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${API}${op}"` },
      body:
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
        `<soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`,
    });
    const text = await res.text();
    const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    return { status: res.status, field };
  };
  const metadata = (id) => `<ActivityMetadata xmlns="${API}"><MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId></ActivityMetadata>`;
  return {
    async submit(fileName) {
      const r = await call(
        'FileBatch',
        metadata(0),
        `<FileBatch xmlns="${API}"><TimeOut>300</TimeOut><InputFile><Connection>Share</Connection><RelativeLocation>in</RelativeLocation>` +
          `<FileName>${fileName}</FileName></InputFile><OCRProfile>Invoices</OCRProfile><OutputFile><Connection>Share</Connection>` +
          `<RelativeLocation>out</RelativeLocation><FileName>${fileName}.xml</FileName></OutputFile><PutModel>Replace</PutModel></FileBatch>`,
      );
      assert.equal(r.status, 200);
      return r.field('MasterWorkflowInstanceId');
    },
    async status(id) {
      const r = await call('GetStatus', metadata(id), `<GetStatus xmlns="${API}" />`);
      return { status: r.field('Status'), errorCode: r.field('ErrorCode') };
    },
  };
}

describe('parallel workers on one mock', { concurrency: WORKERS }, () => {
  for (let n = 1; n <= WORKERS; n++) {
    const namespace = `worker-${n}`;
    const mock = new AdminClient({ url: MOCK, namespace, token: process.env.ADMIN_TOKEN });
    const sut = systemUnderTest(`${MOCK}/ns/${namespace}/SequenceServices/coraOcrIntegration_v1.0.0.asmx`);

    // Within a worker, its tests run one after another (they share its namespace).
    describe(namespace, { concurrency: 1 }, () => {
      beforeEach(async () => {
        await mock.reset(); // this worker's namespace only
        await mock.freezeClock();
      });

      it('a batch runs through every stage to Completed on its own clock', async () => {
        const id = await sut.submit(`${namespace}-invoice.pdf`);
        assert.equal((await sut.status(id)).status, 'Queued');
        await mock.advanceClock(10_000);
        assert.deepEqual(await sut.status(id), { status: 'Completed', errorCode: 'NoError' });
      });

      it('a scripted failure hits this worker only', async () => {
        const code = n % 2 ? 'InputFileNotFound' : 'OutputFileExists';
        await mock.addRule({ match: { operation: 'FileBatch' }, outcome: { status: 'Failed', errorCode: code, at: 'ProcessingInput' } });
        const id = await sut.submit(`${namespace}-broken.pdf`);
        await mock.advanceClock(2_000);
        assert.deepEqual(await sut.status(id), { status: 'Failed', errorCode: code });
      });

      it('the journal holds exactly what this worker sent', async () => {
        await sut.submit(`${namespace}-a.pdf`);
        await sut.submit(`${namespace}-b.pdf`);
        assert.equal(await mock.countRequests({ operation: 'FileBatch' }), 2);
        const batches = await mock.listBatches();
        assert.deepEqual(batches.items.map((b) => b.inputFile.fileName).sort(), [`${namespace}-a.pdf`, `${namespace}-b.pdf`]);
      });
    });
  }
});
