// Prometheus metrics (issue 13, part 5): GET /__admin/metrics, parsed by a strict exposition-format
// reader, shows the values the test caused, per namespace; it is behind the admin token; METRICS=false
// turns it off. Against a real server over real HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminClient } from '../server/client';
import { API_NS, RunningMock, SERVICE_PATH, envelope, fileBatchBody, metadataHeader, raw, startMock } from './support/mock';
import { Family, parseExposition, valueOf } from './support/prometheus';
import { spawnServer } from './support/process';
import { waitFor } from './support/wait';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock({ JOURNAL_LIMIT: '20' });
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());

async function scrape(origin = mock.origin, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const r = await raw(`${origin}/__admin/metrics`, { headers });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(r.body);
}

/** Sends SOAP 1.1 (or 1.2) to the service in namespace `ns`; returns the answer. */
function soap(ns: string, op: 'FileBatch' | 'GetStatus', body: string, header?: string, version: '1.1' | '1.2' = '1.1') {
  const headers =
    version === '1.1'
      ? { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${API_NS}${op}"` }
      : { 'Content-Type': `application/soap+xml; charset=utf-8; action="${API_NS}${op}"` };
  return raw(`${mock.origin}/ns/${ns}${SERVICE_PATH}`, { method: 'POST', headers, body: envelope(version, body, header) });
}
const getStatus = (ns: string, id: string, version: '1.1' | '1.2' = '1.1') => soap(ns, 'GetStatus', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id), version);
const idOf = (body: string) => /<MasterWorkflowInstanceId>(\d+)</.exec(body)![1]!;

describe('GET /__admin/metrics', () => {
  it('counts what happened, by namespace, operation, protocol, status, rule and fault', async () => {
    const ns = 'metrics-a';
    const a = admin.inNamespace(ns);
    await a.reset();
    await a.freezeClock();
    await a.addRule({ id: 'busy', match: { operation: 'GetStatus', protocol: 'httpget' }, times: 1, fault: { type: 'httpStatus', status: 503 } });
    await a.addRule({ id: 'late', match: { operation: 'GetStatus', protocol: 'soap12' }, fault: { type: 'delay', ms: 1 } });
    await a.addRule({ id: 'never', match: { operation: 'GetStatus', batchId: '1' }, fault: { type: 'reset' } });
    const id = idOf((await soap(ns, 'FileBatch', fileBatchBody())).body);
    await soap(ns, 'FileBatch', fileBatchBody());
    for (let i = 0; i < 3; i++) await getStatus(ns, id);
    await getStatus(ns, id, '1.2');
    await raw(`${mock.origin}/ns/${ns}${SERVICE_PATH}/GetStatus?MasterWorkflowInstanceId=${id}`); // 503 by rule busy
    await raw(`${mock.origin}/ns/${ns}${SERVICE_PATH}/GetStatus?MasterWorkflowInstanceId=${id}`); // 200 (times: 1)
    await raw(`${mock.origin}/ns/${ns}${SERVICE_PATH}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' }); // 415
    await a.createBatch({ externalContext: 'seeded' });
    await a.setBatchStatus(id, 'Failed', 'InternalError');
    await getStatus(ns, id);
    // Another namespace's requests are its own series.
    await getStatus('metrics-b', id);

    const m = await scrape();
    const v = (name: string, labels: Record<string, string> = {}) => valueOf(m, name, { namespace: ns, ...labels });
    const req = (operation: string, protocol: string, http_status: string) => v('cora_mock_requests_total', { operation, protocol, http_status });
    assert.equal(req('FileBatch', 'soap11', '200'), 2);
    assert.equal(req('GetStatus', 'soap11', '200'), 4);
    assert.equal(req('GetStatus', 'soap12', '200'), 1);
    assert.equal(req('GetStatus', 'httpget', '503'), 1);
    assert.equal(req('GetStatus', 'httpget', '200'), 1);
    assert.equal(req('none', 'none', '415'), 1);
    assert.equal(valueOf(m, 'cora_mock_requests_total', { namespace: 'metrics-b', operation: 'GetStatus', protocol: 'soap11', http_status: '200' }), 1);

    assert.equal(m.get('cora_mock_request_duration_seconds')!.type, 'histogram');
    assert.equal(v('cora_mock_request_duration_seconds_count', { operation: 'GetStatus', protocol: 'soap11' }), 4);
    assert.equal(v('cora_mock_request_duration_seconds_bucket', { operation: 'GetStatus', protocol: 'soap11', le: '+Inf' }), 4);
    assert.ok(v('cora_mock_request_duration_seconds_sum', { operation: 'GetStatus', protocol: 'soap11' })! > 0);

    assert.equal(v('cora_mock_batches_created_total', { source: 'FileBatch' }), 2);
    assert.equal(v('cora_mock_batches_created_total', { source: 'api' }), 1);
    // Status answers: 3 x SOAP 1.1 + 1 x SOAP 1.2 + 1 x HTTP GET Queued, then the forced Failed.
    assert.equal(v('cora_mock_statuses_served_total', { status: 'Queued', error_code: 'NoError' }), 5);
    assert.equal(v('cora_mock_statuses_served_total', { status: 'Failed', error_code: 'InternalError' }), 1);

    assert.equal(v('cora_mock_rule_matches_total', { rule: 'busy' }), 2);
    assert.equal(v('cora_mock_rule_fires_total', { rule: 'busy' }), 1);
    assert.equal(v('cora_mock_rule_fires_total', { rule: 'late' }), 1);
    assert.equal(v('cora_mock_rule_matches_total', { rule: 'never' }), undefined, 'a rule that never matched has no series');
    assert.equal(v('cora_mock_transport_faults_total', { type: 'httpStatus' }), 1);
    assert.equal(v('cora_mock_transport_faults_total', { type: 'delay' }), 1);

    assert.equal(v('cora_mock_rules'), 3);
    assert.equal(v('cora_mock_batches'), 3);
    assert.equal(v('cora_mock_journal_entries'), 10);
    assert.ok(valueOf(m, 'cora_mock_namespaces')! >= 3);
    // Process metrics, from prom-client.
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(m.has(name), `${name} is exposed`);
    }
  });

  it('counts journal drops, and open waits', async () => {
    const ns = 'metrics-drop';
    const a = admin.inNamespace(ns);
    await a.reset();
    const before = (await scrape()).get('cora_mock_journal_dropped_total');
    assert.equal(before?.type, 'counter');
    // JOURNAL_LIMIT=20 for all namespaces together: 25 requests here drop at least 5.
    for (let i = 0; i < 25; i++) await getStatus(ns, '1');
    const m = await scrape();
    assert.ok(valueOf(m, 'cora_mock_journal_dropped_total', { namespace: ns })! >= 5);

    const b = await a.createBatch({ hold: 'Queued' });
    const stop = new AbortController();
    const wait = a.waitForStatus(b.id, 'Completed', { timeoutMs: 60_000, signal: stop.signal }).catch(() => null);
    await waitFor(async () => valueOf(await scrape(), 'cora_mock_waiters', { namespace: ns, kind: 'batch' }) === 1, { what: 'the waiter gauge to show the wait' });
    stop.abort();
    await wait;
    await waitFor(async () => valueOf(await scrape(), 'cora_mock_waiters', { namespace: ns, kind: 'batch' }) === 0, { what: 'the waiter gauge to drop' });
  });

  it('a dropped namespace leaves the page; the namespace a call names does not matter', async () => {
    const a = admin.inNamespace('metrics-gone');
    await a.createBatch({});
    assert.ok(valueOf(await scrape(), 'cora_mock_batches', { namespace: 'metrics-gone' }) === 1);
    await admin.dropNamespace('metrics-gone');
    const r = await raw(`${mock.origin}/ns/other/__admin/metrics`);
    assert.equal(r.status, 200);
    assert.equal(valueOf(parseExposition(r.body), 'cora_mock_batches', { namespace: 'metrics-gone' }), undefined);
  });

  it('needs the admin token like every admin route (a scraper sends it as a bearer token)', async () => {
    const m = await startMock({ ADMIN_TOKEN: 'scrape-secret' });
    try {
      const refused = await raw(`${m.origin}/__admin/metrics`);
      assert.equal(refused.status, 401);
      assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
      const page = await scrape(m.origin, { Authorization: 'Bearer scrape-secret' });
      assert.ok(page.has('cora_mock_requests_total'));
    } finally {
      await m.close();
    }
  });

  it('prom-client is loaded on the first scrape, not at start-up nor by the service', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-metrics-'));
    const loaded = async (scrapeIt: boolean) => {
      const report = path.join(dir, `${scrapeIt}.json`);
      const preload = path.resolve(__dirname, 'support/module-report.cjs');
      const server = await spawnServer({ DB_PATH: ':memory:', MODULE_REPORT: report, NODE_OPTIONS: `--require ${preload}` });
      await raw(`${server.serviceUrl}/GetStatus?MasterWorkflowInstanceId=1`);
      if (scrapeIt) assert.equal((await raw(`${server.origin}/__admin/metrics`)).status, 200);
      assert.equal(await server.stop(), 0);
      const modules: string[] = JSON.parse(fs.readFileSync(report, 'utf8')).modules;
      return modules.some((m) => m.includes(`${path.sep}node_modules${path.sep}prom-client${path.sep}`));
    };
    try {
      assert.equal(await loaded(false), false, 'not loaded by start-up and a request');
      assert.equal(await loaded(true), true, 'loaded by a scrape (so the check above can fail)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('METRICS=false: nothing is counted and the page is a 404 problem', async () => {
    const m = await startMock({ METRICS: 'false' });
    try {
      const r = await raw(`${m.origin}/__admin/metrics`);
      assert.equal(r.status, 404);
      assert.match(JSON.parse(r.body).detail, /metrics are off \(METRICS=false\)/);
    } finally {
      await m.close();
    }
  });
});
