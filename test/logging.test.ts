// Log lines (issue 13, part 7): every admin call gets one line at info (method, route, path,
// status, duration); the request line of a non-SOAP path names its method and path. Read from a
// real server process's stdout.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { AdminClient } from '../server/client';
import { SERVICE_PATH, envelope, metadataHeader, raw } from './support/mock';
import { API_NS } from './support/constants';
import { ServerProcess, spawnServer } from './support/process';
import { waitFor } from './support/wait';

let server: ServerProcess;
before(async () => {
  server = await spawnServer({ DB_PATH: ':memory:', LOG_LEVEL: 'info' });
});
after(() => server.stop('SIGKILL'));

const lines = () =>
  server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Waits for the log line that satisfies `pick` (lines leave in batches, a few ms later). */
const line = (what: string, pick: (l: Record<string, unknown>) => boolean) => waitFor(() => lines().find(pick), { what });

describe('admin calls', () => {
  it('one line each at info: method, route, path, namespace, status, duration', async () => {
    const admin = new AdminClient({ url: server.origin });
    await admin.freezeClock();
    const clock = await line('the clock call', (l) => l['msg'] === 'admin' && l['path'] === '/__admin/clock');
    assert.equal(clock['level'], 30);
    assert.equal(clock['method'], 'POST');
    assert.equal(clock['route'], '/__admin/clock');
    assert.equal(clock['status'], 200);
    assert.equal(typeof clock['durationMs'], 'number');

    await raw(`${server.origin}/__admin/batches/424242`);
    const missing = await line('the 404 batch', (l) => l['msg'] === 'admin' && l['path'] === '/__admin/batches/424242');
    assert.deepEqual([missing['route'], missing['status']], ['/__admin/batches/:id', 404]);

    await raw(`${server.origin}/__admin/nothing`);
    const unknown = await line('the unknown route', (l) => l['msg'] === 'admin' && l['path'] === '/__admin/nothing');
    assert.deepEqual([unknown['route'], unknown['status']], [null, 404]);

    await raw(`${server.origin}/ns/log-ns/__admin/rules`);
    const scoped = await line('the namespaced call', (l) => l['msg'] === 'admin' && l['path'] === '/__admin/rules' && l['namespace'] === 'log-ns');
    assert.deepEqual([scoped['route'], scoped['status']], ['/__admin/rules', 200]);
  });

  it('a long poll the client gave up is logged as aborted; health stays out of the info log', async () => {
    const admin = new AdminClient({ url: server.origin });
    const b = await admin.createBatch({ hold: 'Queued' });
    const req = http.get(`${server.origin}/__admin/batches/${b.id}/wait?status=Completed&timeoutMs=60000`);
    req.on('error', () => {});
    await waitFor(async () => (await admin.health()).waiters.open === 1, { what: 'the wait to be open' });
    req.destroy();
    const gaveUp = await line('the abandoned wait', (l) => l['msg'] === 'admin' && l['route'] === '/__admin/batches/:id/wait');
    assert.deepEqual([gaveUp['status'], gaveUp['aborted']], [null, true]);
    assert.equal(lines().filter((l) => l['path'] === '/__admin/health').length, 0, 'health calls are logged at debug');
  });
});

describe('request lines', () => {
  it('a non-SOAP path names its method and path; a SOAP request does not need to', async () => {
    await raw(`${server.serviceUrl}?WSDL`);
    const wsdl = await line('the WSDL request', (l) => l['msg'] === 'request' && l['path'] === `${SERVICE_PATH}?WSDL`);
    assert.deepEqual([wsdl['method'], wsdl['http'], wsdl['protocol']], ['GET', 200, null]);

    await raw(`${server.serviceUrl}/GetStatus?MasterWorkflowInstanceId=7`);
    const get = await line('the HTTP GET', (l) => l['msg'] === 'request' && l['protocol'] === 'httpget');
    assert.deepEqual([get['path'], get['operation'], get['batchId']], [`${SERVICE_PATH}/GetStatus?MasterWorkflowInstanceId=7`, 'GetStatus', '7']);

    await raw(server.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${API_NS}GetStatus"` },
      body: envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader('8')),
    });
    const soap = await line('the SOAP request', (l) => l['msg'] === 'request' && l['protocol'] === 'soap11' && l['batchId'] === '8');
    assert.equal(soap['path'], undefined);

    await raw(`${server.origin}/nothing/here?x=1`);
    const nowhere = await line('the unknown path', (l) => l['msg'] === 'request' && l['path'] === '/nothing/here?x=1');
    assert.deepEqual([nowhere['method'], nowhere['http']], ['GET', 404]);
  });
});
