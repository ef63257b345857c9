// One source for the JSON shapes: what the admin API actually answers satisfies the response
// schemas the OpenAPI document (and the derived TypeScript types) promise, and the document's
// $refs all resolve. Validated by ajv against a real server over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import { schemas } from '../server/schemas/schemas';
import { API_NS, RunningMock, envelope, metadataHeader, raw, soapPost, startMock, submit } from './support/mock';

let mock: RunningMock;
before(async () => {
  mock = await startMock({ JOURNAL_LIMIT: '100' });
});
after(() => mock.close());

const ajv = new Ajv2020({ strict: false, discriminator: true, allErrors: true, validateFormats: false });
function check(name: keyof typeof schemas, value: unknown, where: string): void {
  const validate = ajv.compile(schemas[name]);
  assert.ok(validate(value), `${where} does not match schema ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
}

async function call(path: string, method = 'GET', body?: unknown) {
  const r = await raw(mock.origin + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, type: r.headers['content-type'] ?? '', json: r.body ? (JSON.parse(r.body) as unknown) : undefined };
}

describe('admin answers match their response schemas', () => {
  it('batches, rules, clock, journal, reset, health and problems', async () => {
    const rules: [unknown, string][] = [
      [{ match: { operation: 'FileBatch', fileName: '*.fail.pdf' }, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } }, 'outcome rule'],
      [{ match: { operation: 'GetStatus' }, times: 1, fault: { type: 'soapFault', message: 'boom' } }, 'fault rule'],
      [{ id: 'slow', match: { protocol: 'soap12' }, probability: 0.5, seed: 7, fault: { type: 'delay', minMs: 0, maxMs: 1 } }, 'delay rule'],
      [{ timings: { queuedMs: 5 }, match: { metadata: { workflowName: 'x' } } }, 'timings rule'],
    ];
    for (const [rule, where] of rules) {
      const r = await call('/__admin/rules', 'POST', rule);
      assert.equal(r.status, 201, where);
      check('Rule', r.json, where);
    }
    check('RuleList', (await call('/__admin/rules')).json, 'GET /rules');

    const id = await submit(mock, { FileName: 'a.fail.pdf', ExternalContext: 'ctx' });
    await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)));
    await soapPost(mock, '1.2', 'GetStatus', envelope('1.2', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)));
    await raw(mock.serviceUrl + '?wsdl');

    const seeded = await call('/__admin/batches', 'POST', {
      id: '9000000000000000001',
      inputFile: { fileName: 'f.pdf' },
      metadata: { workflowName: 'wf', callerId: 3 },
      outcome: { status: 'Aborted', errorCode: 'InternalError', at: 'Completed' },
      hold: 'WaitingForOutput',
      status: 'Failed',
      errorCode: 'TimedOut',
    });
    assert.equal(seeded.status, 201);
    check('Batch', seeded.json, 'POST /batches');
    check('Batch', (await call(`/__admin/batches/${id}`)).json, 'GET /batches/{id}');
    check('Batch', (await call(`/__admin/batches/${id}`, 'PATCH', { status: 'ProcessingInput' })).json, 'PATCH /batches/{id}');
    const page = await call('/__admin/batches?limit=1');
    check('BatchPage', page.json, 'GET /batches');
    assert.notEqual((page.json as { next: unknown }).next, null, 'a next page');

    check('ClockState', (await call('/__admin/clock')).json, 'GET /clock');
    check('ClockState', (await call('/__admin/clock', 'POST', { freeze: true, advanceMs: 10 })).json, 'POST /clock');

    const journal = await call('/__admin/requests');
    check('JournalPage', journal.json, 'GET /requests');
    const entries = (journal.json as { items: { operation: string | null; metadata: unknown }[] }).items;
    assert.ok(entries.some((e) => e.operation === null), 'an entry without an operation (the WSDL)');
    assert.ok(entries.some((e) => e.metadata !== null), 'an entry with ActivityMetadata');

    const health = await call('/__admin/health');
    check('Health', health.json, 'GET /health');

    const problem = await call('/__admin/batches/12345');
    assert.equal(problem.status, 404);
    assert.match(problem.type, /application\/problem\+json/);
    check('Problem', problem.json, 'a 404 problem');

    check('ResetResult', (await call('/__admin/reset', 'POST', { keepBatches: true })).json, 'POST /reset');
    check('AdminIndex', (await call('/__admin')).json, 'GET /__admin');
    check('FixturesReloaded', (await call('/__admin/fixtures/reload', 'POST')).json, 'POST /fixtures/reload');
    await call('/__admin/rules', 'POST', { id: 'gone', match: { operation: 'GetStatus' }, hold: 'Queued' });
    check('RulesCleared', (await call('/__admin/rules', 'DELETE')).json, 'DELETE /rules');
  });

  it('waits, verification, explanations and near misses (issue 13), their 408 problems included', async () => {
    await call('/__admin/reset', 'POST', {});
    await call('/__admin/rules', 'POST', { id: 'near', match: { operation: 'FileBatch', fileName: '*.x.pdf' }, hold: 'Queued' });
    const id = await submit(mock, { FileName: 'a.pdf' });
    await soapPost(mock, '1.1', 'GetStatus', envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)));
    check('Batch', (await call(`/__admin/batches/${id}/wait?status=Queued,Completed&timeoutMs=0`)).json, 'GET /batches/{id}/wait');
    const held = (await call('/__admin/batches', 'POST', { hold: 'Queued' })).json as { id: string };
    const late = await call(`/__admin/batches/${held.id}/wait?status=Completed&timeoutMs=0`);
    assert.equal(late.status, 408);
    check('Problem', late.json, 'a timed-out batch wait');
    assert.equal((late.json as { batch: { status: string } }).batch.status, 'Queued');
    check('JournalPage', (await call('/__admin/requests/wait?operation=GetStatus&timeoutMs=0')).json, 'GET /requests/wait');
    const few = await call('/__admin/requests/wait?operation=GetStatus&count=5&timeoutMs=0');
    assert.equal(few.status, 408);
    check('Problem', few.json, 'a timed-out request wait');
    for (const body of [{ match: { batchId: id }, sequence: ['Queued', 'Completed'] }, { count: { atMost: 0 } }, { never: true }]) {
      check('VerifyResult', (await call('/__admin/requests/verify', 'POST', body)).json, `POST /requests/verify ${JSON.stringify(body)}`);
    }
    const seqs = ((await call('/__admin/requests')).json as { items: { seq: number }[] }).items.map((e) => e.seq);
    for (const seq of seqs) check('JournalEntryDetail', (await call(`/__admin/requests/${seq}`)).json, `GET /requests/${seq}`);
    const rule = (await call('/__admin/rules/near')).json as { nearMisses: unknown[] };
    check('Rule', rule, 'GET /rules/{id} with near misses');
    assert.equal(rule.nearMisses.length, 2);
    check('Namespace', (await call('/__admin/namespaces/default')).json, 'GET /namespaces/{name}');
  });
});

describe('the OpenAPI document', () => {
  it('names a component for every $ref, and uses the response schemas', async () => {
    const doc = (await call('/__admin/openapi.json')).json as { components: { schemas: Record<string, unknown> }; paths: unknown };
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.add(x as string);
          else walk(x);
        }
      }
    };
    walk(doc);
    for (const ref of refs) {
      const m = /^#\/components\/(schemas|parameters)\/(\w+)$/.exec(ref);
      const section = (doc.components as unknown as Record<string, Record<string, unknown>>)[m?.[1] ?? ''];
      assert.ok(m && section && m[2]! in section, `unresolved $ref ${ref}`);
    }
    for (const name of ['Batch', 'BatchPage', 'Rule', 'RuleList', 'ClockState', 'JournalPage', 'ResetResult', 'Health', 'TransportFault', 'RuleMatch', 'Namespace', 'NamespaceList', 'NamespaceInput', 'VerifyRequest', 'VerifyResult', 'JournalEntryDetail', 'NearMiss', 'RuleExplanation', 'RequestMatch', 'SeenRequest']) {
      assert.ok(refs.has(`#/components/schemas/${name}`), `${name} is referred to`);
    }
    // Shared sub-schemas are written once, as components, not inlined again.
    assert.deepEqual((doc.components.schemas['RuleInput'] as { properties: { fault: unknown } }).properties.fault, { $ref: '#/components/schemas/TransportFault' });
  });
});
