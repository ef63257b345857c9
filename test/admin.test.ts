// The admin API as a public contract: batches, clock, journal, reset, problems, auth, CORS, OpenAPI.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient, AdminError } from '../server/client';
import { API_NS } from './support/constants';
import { RunningMock, raw, startMock, status, submit } from './support/mock';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock({ JOURNAL_LIMIT: '50' });
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset());

const json = (path: string, method = 'GET', body?: string, headers: Record<string, string> = {}) =>
  raw(mock.origin + path, { method, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, body });

async function rejectsWith(p: Promise<unknown>, status: number, detail?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AdminError, String(err));
    assert.equal(err.status, status);
    if (detail) assert.match(err.problem?.detail ?? '', detail);
    return true;
  });
}

describe('batches', () => {
  it('seeds a batch with a new id, shows everything stored, the status and the history', async () => {
    const b = await admin.createBatch({
      externalContext: 'seeded',
      inputFile: { connection: 'c', relativeLocation: 'r', fileName: 'f.pdf' },
      ocrProfile: 'P',
      metadata: { workflowName: 'wf', callerId: 3 },
    });
    assert.match(b.id, /^\d+$/);
    assert.equal(b.status, 'Queued');
    const got = await admin.getBatch(b.id);
    assert.equal(got.externalContext, 'seeded');
    assert.deepEqual(got.inputFile, { connection: 'c', relativeLocation: 'r', fileName: 'f.pdf' });
    assert.deepEqual(got.metadata, { workflowName: 'wf', callerId: 3 });
    assert.deepEqual(got.history!.map((h) => h.status), ['Queued']);
    assert.equal((await status(mock, b.id)).externalContext, 'seeded');
  });

  it('seeds with an explicit 64-bit id given as a string; a duplicate is a 409', async () => {
    const b = await admin.createBatch({ id: '9223372036854775000', status: 'Completed' });
    assert.equal(b.id, '9223372036854775000');
    assert.equal((await status(mock, '9223372036854775000')).status, 'Completed');
    await rejectsWith(admin.createBatch({ id: '9223372036854775000' }), 409, /already exists/);
  });

  it('seeds with a timing plan and an outcome', async () => {
    await admin.freezeClock();
    const b = await admin.createBatch({ timings: { queuedMs: 100 }, outcome: { status: 'Failed', errorCode: 'FailedToPutInputFile', at: 'ProcessingInput' } });
    await admin.advanceClock(100);
    assert.deepEqual((await admin.getBatch(b.id)).errorCode, 'FailedToPutInputFile');
  });

  it('an outcome `during` a stage is seen in that stage and fails when it ends; `at` fails on reaching it', async () => {
    await admin.freezeClock();
    const timings = { queuedMs: 100, processingInputMs: 200, waitingForOutputMs: 300 };
    const during = await admin.createBatch({ timings, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', during: 'ProcessingInput' } });
    const at = await admin.createBatch({ timings, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } });
    assert.deepEqual(during.plan.outcome, { status: 'Failed', errorCode: 'InputFileNotFound', at: 'WaitingForOutput' }, 'stored as the moment it fails');
    await admin.advanceClock(100);
    assert.equal((await status(mock, during.id)).status, 'ProcessingInput');
    assert.equal((await status(mock, at.id)).status, 'Failed');
    await admin.advanceClock(199);
    assert.equal((await status(mock, during.id)).status, 'ProcessingInput');
    await admin.advanceClock(1);
    assert.deepEqual(await status(mock, during.id), { status: 'Failed', errorCode: 'InputFileNotFound', externalContext: undefined });

    // A rule can say it too; both forms at once, or neither, is refused with the pointer.
    await admin.addRule({ id: 'during-wfo', match: { operation: 'FileBatch', fileName: '*.late.pdf' }, outcome: { status: 'Aborted', errorCode: 'NoError', during: 'WaitingForOutput' } });
    const late = await submit(mock, { FileName: 'x.late.pdf' });
    assert.deepEqual((await admin.getBatch(late)).plan.outcome, { status: 'Aborted', errorCode: 'NoError', at: 'Completed' });
    await admin.deleteRule('during-wfo');
    await rejectsWith(admin.createBatch({ outcome: { status: 'Failed', errorCode: 'InternalError', at: 'Queued', during: 'Queued' } }), 400, /^\/outcome: an outcome has either at .* or during/);
    await rejectsWith(admin.addRule({ outcome: { status: 'Failed', errorCode: 'InternalError' } }), 400, /^\/outcome: an outcome has either at/);
    await rejectsWith(admin.createBatch({ status: 'Queued', errorCode: 'InternalError' }), 400, /^\/errorCode: Queued goes with NoError/);
  });

  it('PATCH forces a terminal status, which time never changes', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const b = await admin.setBatchStatus(id, 'Failed', 'OutputFileExists');
    assert.equal(b.status, 'Failed');
    await admin.advanceClock(3_600_000);
    assert.deepEqual(await status(mock, id), { status: 'Failed', errorCode: 'OutputFileExists', externalContext: undefined });
    assert.deepEqual((await admin.getBatch(id)).history!.map((h) => `${h.status}:${h.source}`), ['Queued:FileBatch', 'Failed:admin']);
  });

  it('PATCH to a stage resumes the timeline from that stage', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    await admin.setBatchStatus(id, 'WaitingForOutput');
    assert.equal((await status(mock, id)).status, 'WaitingForOutput');
    await admin.advanceClock(4999);
    assert.equal((await status(mock, id)).status, 'WaitingForOutput');
    await admin.advanceClock(1);
    assert.equal((await status(mock, id)).status, 'Completed');
  });

  it('time never takes a batch out of a terminal status, but a PATCH can (an admin override): Failed re-opened to WaitingForOutput runs on to Completed', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    await admin.setBatchStatus(id, 'Failed', 'InternalError');
    await admin.advanceClock(3_600_000);
    assert.equal((await status(mock, id)).status, 'Failed');
    const reopened = await admin.setBatchStatus(id, 'WaitingForOutput');
    assert.equal(reopened.status, 'WaitingForOutput');
    assert.equal((await status(mock, id)).status, 'WaitingForOutput');
    await admin.advanceClock(5000);
    assert.deepEqual(await status(mock, id), { status: 'Completed', errorCode: 'NoError', externalContext: undefined });
    assert.deepEqual(
      (await admin.getBatch(id)).history!.map((h) => `${h.status}:${h.source}`),
      ['Queued:FileBatch', 'Failed:admin', 'WaitingForOutput:admin', 'Completed:clock'],
      'the history keeps every step, the override included',
    );
  });

  it('PATCH refuses a Failed without errorCode, a stage with an error, and NotFound', async () => {
    const id = await submit(mock);
    await rejectsWith(admin.setBatchStatus(id, 'Failed'), 400, /errorCode/);
    await rejectsWith(admin.setBatchStatus(id, 'Queued', 'InternalError'), 400, /NoError/);
    await rejectsWith(admin.setBatchStatus(id, 'NotFound' as never), 400, /status/);
    await rejectsWith(admin.setBatchStatus('424242', 'Completed'), 404);
  });

  it('DELETE removes a batch (then NotFound) and its id is never reused', async () => {
    const id = await submit(mock);
    await admin.deleteBatch(id);
    assert.equal((await status(mock, id)).status, 'NotFound');
    await rejectsWith(admin.deleteBatch(id), 404);
    const next = await submit(mock);
    assert.ok(BigInt(next) > BigInt(id));
  });

  it('lists by current status with paging', async () => {
    await admin.freezeClock();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(mock));
    await admin.setBatchStatus(ids[1]!, 'Completed');
    await admin.setBatchStatus(ids[3]!, 'Completed');
    const done = await admin.listBatches({ status: 'Completed' });
    assert.deepEqual(done.items.map((b) => b.id), [ids[1], ids[3]]);
    const page1 = await admin.listBatches({ limit: 2 });
    assert.equal(page1.items.length, 2);
    assert.ok(page1.next);
    const page2 = await admin.listBatches({ limit: 2, after: page1.next! });
    assert.deepEqual(page2.items.map((b) => b.id), ids.slice(2, 4));
    assert.equal(page1.stored, 5);
  });
});

describe('clock', () => {
  it('freeze + advance drives a batch through every stage with no sleeping', async () => {
    const frozen = await admin.freezeClock();
    assert.equal(frozen.frozen, true);
    const id = await submit(mock);
    const seen = [];
    for (const ms of [0, 2000, 3000, 5000]) {
      if (ms) await admin.advanceClock(ms);
      seen.push((await status(mock, id)).status);
    }
    assert.deepEqual(seen, ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed']);
  });

  it('set jumps to an absolute time; resume lets it run on from there', async () => {
    const c = await admin.setClock('2030-01-01T00:00:00.000Z');
    assert.ok(c.now.startsWith('2030-01-01T00:00:0'));
    const r = await admin.resumeClock();
    assert.equal(r.frozen, false);
    assert.ok(Date.parse(r.now) >= Date.parse('2030-01-01T00:00:00.000Z'));
    const reset = await admin.reset();
    assert.ok(Math.abs(Date.parse((await admin.clock()).now) - Date.now()) < 60_000, String(reset));
  });

  it('rejects bad commands with a problem', async () => {
    for (const body of ['{}', '{"advanceMs": -1}', '{"set": "yesterday"}', '{"freeze": true, "resume": true}', '{"sleep": 1}']) {
      const r = await json('/__admin/clock', 'POST', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
  });
});

describe('request journal', () => {
  it('records every request, also rejected ones, with protocol, operation, header, batch id and answer', async () => {
    const id = await submit(mock);
    await status(mock, id);
    await raw(mock.serviceUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`);
    const all = await admin.requests();
    assert.deepEqual(
      all.items.map((e) => [e.protocol, e.operation, e.batchId, e.httpStatus, e.summary]),
      [
        ['soap11', 'FileBatch', id, 200, 'created'],
        ['soap11', 'GetStatus', id, 200, 'Queued'],
        [null, null, null, 415, 'unsupported content type text/plain'],
        ['httpget', 'GetStatus', id, 200, 'Queued'],
      ],
    );
    assert.equal(all.items[1]!.metadata?.MasterWorkflowInstanceId, id);
    assert.equal(all.items[0]!.soapAction, `${API_NS}FileBatch`);
  });

  it('filters by operation, batch id, protocol, since and rule; counts; clears', async () => {
    await admin.addRule({ id: 'slow', match: { operation: 'GetStatus' }, times: 1, fault: { type: 'delay', ms: 1 } });
    const a = await submit(mock);
    const b = await submit(mock);
    await status(mock, a);
    await status(mock, b);
    assert.equal(await admin.countRequests({ operation: 'FileBatch' }), 2);
    assert.deepEqual((await admin.requests({ batchId: b })).items.map((e) => e.operation), ['FileBatch', 'GetStatus']);
    assert.deepEqual((await admin.requests({ rule: 'slow' })).items.map((e) => e.batchId), [a]);
    assert.equal(await admin.countRequests({ protocol: 'soap12' }), 0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal(await admin.countRequests({ since: future }), 0);
    assert.equal((await admin.requests({ limit: 1 })).items[0]!.batchId, b);
    await admin.clearRequests();
    assert.equal(await admin.countRequests(), 0);
  });

  it('is bounded: the oldest entries are dropped (JOURNAL_LIMIT=50)', async () => {
    for (let i = 0; i < 60; i++) await status(mock, '1');
    const j = await admin.requests();
    assert.equal(j.items.length, 50);
    assert.equal(j.capacity, 50);
    assert.equal(j.dropped, 10);
    assert.equal(j.items[0]!.seq, j.items[49]!.seq - 49);
  });
});

describe('reset', () => {
  it('gives each test a clean start: batches, rules, journal, clock', async () => {
    const id = await submit(mock);
    await admin.addRule({ fault: { type: 'reset' }, match: { operation: 'GetStatus', batchId: '1' } });
    await admin.freezeClock();
    await admin.reset();
    assert.equal((await status(mock, id)).status, 'NotFound');
    assert.deepEqual((await admin.listRules()).items, []);
    assert.equal(await admin.countRequests(), 1); // the GetStatus just above
    assert.equal((await admin.clock()).frozen, false);
  });

  it('keepBatches clears only rules and journal', async () => {
    const id = await submit(mock);
    await admin.addRule({ fault: { type: 'reset' }, match: { batchId: '1', operation: 'GetStatus' } });
    await admin.freezeClock();
    await admin.reset({ keepBatches: true });
    assert.equal((await status(mock, id)).status, 'Queued');
    assert.deepEqual((await admin.listRules()).items, []);
    assert.equal((await admin.clock()).frozen, true);
  });
});

describe('problems', () => {
  const cases: [string, string, string | undefined, number, RegExp][] = [
    ['invalid JSON', 'POST /__admin/rules', '{"match": ', 400, /invalid JSON/],
    ['an unknown field', 'POST /__admin/rules', '{"fault":{"type":"reset"},"colour":"red"}', 400, /unknown field "colour"/],
    ['an unknown nested field', 'POST /__admin/batches', '{"inputFile":{"name":"x"}}', 400, /\/inputFile\/name: unknown field/],
    ['a wrong type', 'POST /__admin/batches', '{"timeOut":"soon"}', 400, /\/timeOut: must be integer/],
    ['a bad enum', 'PATCH /__admin/batches/1', '{"status":"Done"}', 400, /\/status: must be one of/],
    ['a rule with two effects', 'POST /__admin/rules', '{"hold":"Queued","fault":{"type":"reset"}}', 400, /exactly one effect/],
    ['a batch effect on GetStatus', 'POST /__admin/rules', '{"match":{"operation":"GetStatus"},"hold":"Queued"}', 400, /cannot match GetStatus/],
    ['a bad regex', 'POST /__admin/rules', '{"match":{"externalContext":"("},"hold":"Queued"}', 400, /regular expression/],
    ['an unknown fault type', 'POST /__admin/rules', '{"fault":{"type":"explode"}}', 400, /\/fault\/type: must be one of delay/],
    [
      'a Content-Type no header can carry',
      'POST /__admin/rules',
      '{"fault":{"type":"httpStatus","status":503,"contentType":"text/plain\\r\\nX-Injected: 1"}}',
      400,
      /\/fault\/contentType: must be usable as an HTTP header value/,
    ],
    ['a non-numeric id', 'GET /__admin/batches/abc', undefined, 400, /not a MasterWorkflowInstanceId/],
    ['an unknown query parameter', 'GET /__admin/batches?colour=red', undefined, 400, /unknown query parameter "colour"/],
    ['an unknown route', 'GET /__admin/nothing', undefined, 404, /no admin route/],
    ['an unknown batch', 'GET /__admin/batches/77777', undefined, 404, /not found/],
    ['an unknown rule', 'DELETE /__admin/rules/nope', undefined, 404, /not found/],
    ['a missing body', 'POST /__admin/rules', undefined, 400, /JSON body is required/],
  ];
  for (const [label, route, body, code, detail] of cases) {
    it(`${label}: ${code} problem+json`, async () => {
      const [method, path] = route.split(' ') as [string, string];
      const r = await json(path, method, body);
      assert.equal(r.status, code, r.body);
      assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
      const p = JSON.parse(r.body);
      assert.equal(p.status, code);
      assert.match(p.detail, detail);
    });
  }

  it('a body that is not JSON is a 415 problem', async () => {
    const r = await raw(`${mock.origin}/__admin/rules`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hold' });
    assert.equal(r.status, 415);
  });
});

describe('security', () => {
  it('with ADMIN_TOKEN every route but health needs the bearer token', async () => {
    const m = await startMock({ ADMIN_TOKEN: 's3cret' });
    try {
      const routes = ['GET /__admin/batches', 'GET /__admin/rules', 'GET /__admin/clock', 'POST /__admin/reset', 'GET /__admin/requests', 'GET /__admin/openapi.json', 'DELETE /__admin/rules', 'GET /__admin/nothing'];
      for (const route of routes) {
        const [method, path] = route.split(' ') as [string, string];
        for (const auth of [undefined, 'Bearer wrong', 'Bearer s3cre', 'Basic s3cret', 'Bearer  ']) {
          const r = await raw(m.origin + path, { method, headers: auth ? { Authorization: auth } : {} });
          assert.equal(r.status, 401, `${route} with ${auth}`);
          assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
          assert.match(r.headers['www-authenticate'] ?? '', /^Bearer/);
        }
      }
      assert.equal((await raw(`${m.origin}/__admin/health`)).status, 200);
      const ok = new AdminClient({ url: m.origin, token: 's3cret' });
      assert.deepEqual((await ok.listRules()).items, []);
      // The SOAP service itself never needs the token.
      assert.equal((await status(m, '1')).status, 'NotFound');
    } finally {
      await m.close();
    }
  });

  it('sends no CORS headers unless ADMIN_CORS_ORIGIN is set', async () => {
    const plain = await raw(`${mock.origin}/__admin/clock`, { headers: { Origin: 'http://evil.test' } });
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    const m = await startMock({ ADMIN_CORS_ORIGIN: 'http://qa.test' });
    try {
      const pre = await raw(`${m.origin}/__admin/clock`, { method: 'OPTIONS', headers: { Origin: 'http://qa.test' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-origin'], 'http://qa.test');
    } finally {
      await m.close();
    }
  });
});

describe('health and OpenAPI', () => {
  it('health reports the store open and the WSDL loaded', async () => {
    const h = await admin.health();
    assert.equal(h.status, 'ok');
    assert.equal(h.store, 'open');
    assert.equal(h.wsdl, 'loaded');
  });

  it('GET /__admin is an index of the admin plane (with the token, as every route); a browser is sent to the dashboard', async () => {
    const m = await startMock({ ADMIN_TOKEN: 's3cret' });
    try {
      assert.equal((await raw(`${m.origin}/__admin`)).status, 401);
      const auth = { Authorization: 'Bearer s3cret' };
      const r = await raw(`${m.origin}/__admin`, { headers: auth });
      assert.equal(r.status, 200);
      const index = JSON.parse(r.body) as { name: string; version: string; openapi: string; dashboard: string; routes: { method: string; path: string; summary: string }[] };
      assert.equal(index.name, 'cora-ocr-mock');
      assert.match(index.version, /^\d+\.\d+\.\d+/);
      assert.equal(index.openapi, '/__admin/openapi.json');
      assert.equal(index.dashboard, '/__admin/ui');
      assert.ok(index.routes.some((x) => x.method === 'POST' && x.path === '/__admin/fixtures/reload' && x.summary.length > 20));
      assert.ok(index.routes.some((x) => x.method === 'GET' && x.path === '/__admin/batches/{id}/wait'));
      const browser = await raw(`${m.origin}/__admin`, { headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
      assert.equal(browser.status, 302);
      assert.equal(browser.headers.location, '/__admin/ui');
      assert.equal((await raw(`${m.origin}/__admin/`, { headers: auth })).status, 200, 'with a trailing slash too');
    } finally {
      await m.close();
    }
  });

  it('the OpenAPI document and the router list the same routes, both ways', async () => {
    const doc = JSON.parse((await json('/__admin/openapi.json')).body) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
    // The router's own table, read from express.
    const { createAdminRouter } = await import('../server/admin/routes');
    const router = createAdminRouter({ control: mock.app.control, adminToken: null, corsOrigin: null, onUnexpected: () => {} });
    const routed = new Set<string>();
    for (const layer of (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack) {
      if (!layer.route) continue;
      for (const m of Object.keys(layer.route.methods)) routed.add(`${m.toUpperCase()} ${`/__admin${layer.route.path.replace(/:(\w+)/g, '{$1}')}`.replace(/\/$/, '')}`);
    }
    assert.deepEqual([...routed].sort(), [...documented].sort());
    // Every documented route answers (not the catch-all 404).
    for (const route of documented) {
      const [method, path] = route.split(' ') as [string, string];
      // A long poll is asked not to wait (the journal is empty: a request wait would run its default timeout).
      const target = path.replace('{id}', '1') + (path.endsWith('/wait') ? '?timeoutMs=0' : '');
      const r = await json(target, method, method === 'GET' || method === 'DELETE' ? undefined : '{}');
      assert.ok(!(r.status === 404 && r.body.includes('no admin route')), route);
    }
  });
});

describe('precompiled validators', () => {
  it('validators.generated.ts is in sync with schemas.ts (run npm run build:validators)', async () => {
    const fs = await import('node:fs');
    const { generateValidators, generateAllErrorsValidators, GENERATED_FILE, GENERATED_ALL_ERRORS_FILE } = await import('../server/schemas/build-validators');
    assert.equal(fs.readFileSync(GENERATED_FILE, 'utf8'), generateValidators());
    assert.equal(fs.readFileSync(GENERATED_ALL_ERRORS_FILE, 'utf8'), generateAllErrorsValidators());
  });
});
