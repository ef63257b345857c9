// cora-ocr-mock/testcontainers against a real Docker engine: test/container/run.sh starts the
// engine, builds the image, and runs this file with
//
//   DOCKER_HOST=unix:///var/run/docker.sock TESTCONTAINERS_RYUK_DISABLED=true \
//   TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 CORA_OCR_MOCK_IMAGE=cora-ocr-mock:local \
//   node --import tsx --test test/container/testcontainers.test.ts
//
// It imports the module by the package's own name, through the exports map, as a user's test does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AdminClient, AdminError } from 'cora-ocr-mock/client';
import { CoraOcrMockContainer, StartedCoraOcrMockContainer } from 'cora-ocr-mock/testcontainers';

const IMAGE = process.env['CORA_OCR_MOCK_IMAGE'] ?? 'cora-ocr-mock:local';
const ROOT = path.resolve(__dirname, '../..');
const NS = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';

async function fileBatch(serviceUrl: string, fileName: string): Promise<string> {
  const res = await fetch(serviceUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${NS}FileBatch"` },
    body:
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
      `<FileBatch xmlns="${NS}"><TimeOut>300</TimeOut><ExternalContext>testcontainers</ExternalContext>` +
      `<InputFile><Connection>Share</Connection><RelativeLocation>in</RelativeLocation><FileName>${fileName}</FileName></InputFile>` +
      '<OCRProfile>InvoiceProfile</OCRProfile><OutputFile><Connection>Share</Connection><RelativeLocation>out</RelativeLocation>' +
      `<FileName>${fileName}.xml</FileName></OutputFile><PutModel>Replace</PutModel></FileBatch></soap:Body></soap:Envelope>`,
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const id = /<MasterWorkflowInstanceId>(\d+)<\/MasterWorkflowInstanceId>/.exec(text)?.[1];
  assert.ok(id, text);
  return id;
}

/** Resolves when nothing answers at `url` any more (the container is gone). */
async function unreachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return false;
  } catch {
    return true;
  }
}

const started: StartedCoraOcrMockContainer[] = [];
after(async () => {
  for (const c of started) await c.stop().catch(() => undefined);
});

describe('CoraOcrMockContainer', () => {
  it('starts the image, waits on its health check, and hands back URLs and a ready AdminClient', async () => {
    const mock = await new CoraOcrMockContainer({ image: IMAGE })
      .withStageTimings({ queuedMs: 100, processingInputMs: 100, waitingForOutputMs: 100 })
      .start();
    started.push(mock);
    assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(mock.serviceUrl, `${mock.url}/SequenceServices/coraOcrIntegration_v1.0.0.asmx`);
    assert.equal(mock.adminUrl, `${mock.url}/__admin`);

    assert.equal((await mock.admin.health()).status, 'ok');
    const wsdl = await fetch(mock.wsdlUrl);
    assert.equal(wsdl.status, 200);
    assert.match(await wsdl.text(), /<wsdl:definitions/);

    // The shipped fixtures are in the image: a magic FileName fails the way it says.
    const ok = await fileBatch(mock.serviceUrl, 'invoice.pdf');
    const failed = await fileBatch(mock.serviceUrl, 'invoice.InputFileNotFound.pdf');
    assert.equal((await mock.admin.waitForStatus(ok, ['Completed', 'Failed'], { timeoutMs: 20_000 })).status, 'Completed');
    const f = await mock.admin.waitForStatus(failed, ['Completed', 'Failed'], { timeoutMs: 20_000 });
    assert.deepEqual([f.status, f.errorCode], ['Failed', 'InputFileNotFound']);

    // A namespace's own service URL.
    const worker = mock.admin.inNamespace('worker-1');
    const inNs = await fileBatch(mock.serviceUrlIn('worker-1'), 'a.pdf');
    assert.equal((await worker.getBatch(inNs)).namespace, 'worker-1');

    await mock.stop();
    started.splice(started.indexOf(mock), 1);
    assert.ok(await unreachable(`${mock.adminUrl}/health`), 'stopped: nothing answers');
  });

  it('takes an admin token, a fixtures folder and environment as options', async () => {
    const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-tc-fixtures-'));
    const file = path.join(fixtures, 'suite.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        batches: [{ id: '4242', externalContext: 'from-my-fixtures', status: 'Completed' }],
        rules: [{ match: { operation: 'FileBatch', fileName: '*.scanned.pdf' }, outcome: { status: 'Failed', errorCode: 'RobotProfileNotFound', at: 'ProcessingInput' } }],
      }),
    );
    fs.chmodSync(file, 0o600); // the module makes copies readable by the image's user
    try {
      const mock = await new CoraOcrMockContainer({
        image: IMAGE,
        adminToken: 'qa-secret',
        fixturesDir: fixtures,
        environment: { QUEUED_MS: '50', PROCESSING_INPUT_MS: '50', WAITING_FOR_OUTPUT_MS: '50' },
      }).start();
      started.push(mock);

      assert.equal((await mock.admin.getBatch('4242')).externalContext, 'from-my-fixtures');
      const id = await fileBatch(mock.serviceUrl, 'letter.scanned.pdf');
      const b = await mock.admin.waitForStatus(id, ['Completed', 'Failed'], { timeoutMs: 20_000 });
      assert.deepEqual([b.status, b.errorCode], ['Failed', 'RobotProfileNotFound']);
      // Only that folder: the image's own magic values are not loaded.
      const plain = await fileBatch(mock.serviceUrl, 'invoice.InputFileNotFound.pdf');
      assert.equal((await mock.admin.waitForStatus(plain, ['Completed', 'Failed'], { timeoutMs: 20_000 })).status, 'Completed');

      await assert.rejects(new AdminClient({ url: mock.url }).listBatches(), (e: unknown) => e instanceof AdminError && e.status === 401);
      await mock.stop();
      started.splice(started.indexOf(mock), 1);
    } finally {
      fs.rmSync(fixtures, { recursive: true, force: true });
    }
  });

  it('refuses a fixtures folder that does not exist, before anything starts', () => {
    assert.throws(() => new CoraOcrMockContainer({ image: IMAGE, fixturesDir: '/nonexistent/fixtures' }), /does not exist/);
  });

  it('builds the image from the Dockerfile of a checkout', async () => {
    const tag = process.env['CORA_OCR_MOCK_BUILD_TAG'] ?? 'cora-ocr-mock:testcontainers-build';
    const container = await CoraOcrMockContainer.buildFromDockerfile(ROOT, { imageName: tag });
    const mock = await container.start();
    started.push(mock);
    assert.equal((await mock.admin.health()).status, 'ok');
    await mock.stop();
    started.splice(started.indexOf(mock), 1);
  });

  it('refuses to build from a folder that is not a checkout', async () => {
    await assert.rejects(CoraOcrMockContainer.buildFromDockerfile(os.tmpdir()), /has no Dockerfile; pass the folder of a cora-ocr-mock checkout/);
  });
});
