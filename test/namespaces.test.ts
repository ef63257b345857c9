// Namespaces: parallel suites on one mock, each in an isolated world (batches, rules and their
// counters, clock, journal, fixtures, reset), selected by path prefix, header or content match.
// Everything against a real server over real HTTP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BatchStore } from '../server/batches/store';
import { AdminClient, AdminError } from '../server/client';
import { ControlOptions, MockControl } from '../server/control/facade';
import { EMPTY_FIXTURES } from '../server/control/fixtures';
import { API_NS, RunningMock, SERVICE_PATH, envelope, fileBatchBody, raw, startMock } from './support/mock';
import { runToExit, spawnServer } from './support/process';

const SOAP11 = { 'Content-Type': 'text/xml; charset=utf-8' };
const action = (op: string) => ({ ...SOAP11, SOAPAction: `"${API_NS}${op}"` });
const pick = (body: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];

/** How a system under test lands in namespace `ns`: where it sends, which headers, what metadata. */
interface Selection {
  method: string;
  url(origin: string, ns: string): string;
  headers(ns: string): Record<string, string>;
  /** Extra ActivityMetadata children every request carries. */
  metadata(ns: string): string;
  externalContext(ns: string): string;
  /** Declares the namespace first when the selection needs it (content matches). */
  declare(admin: AdminClient, ns: string): Promise<void>;
  /**
   * Whether a GetStatus for another namespace's id is NotFound. Not with an ExternalContext
   * prefix: a GetStatus carries only the id, so the batch's stored ExternalContext selects.
   */
  getStatusIsolated: boolean;
}

const SELECTIONS: Selection[] = [
  {
    method: 'path prefix',
    url: (o, ns) => `${o}/ns/${ns}${SERVICE_PATH}`,
    headers: () => ({}),
    metadata: () => '',
    externalContext: (ns) => `ctx ${ns}`,
    declare: async () => {},
    getStatusIsolated: true,
  },
  {
    method: 'header',
    url: (o) => o + SERVICE_PATH,
    headers: (ns) => ({ 'X-Cora-Mock-Namespace': ns }),
    metadata: () => '',
    externalContext: (ns) => `ctx ${ns}`,
    declare: async () => {},
    getStatusIsolated: true,
  },
  {
    method: 'content match on ActivityMetadata',
    url: (o) => o + SERVICE_PATH,
    headers: () => ({}),
    metadata: (ns) => `<WorkflowSpaceName>space-${ns}</WorkflowSpaceName><CallerId>7</CallerId>`,
    externalContext: (ns) => `ctx ${ns}`,
    declare: async (admin, ns) => void (await admin.createNamespace({ name: ns, match: { metadata: { workflowSpaceName: `space-${ns}`, callerId: 7 } } })),
    getStatusIsolated: true,
  },
  {
    method: 'content match on an ExternalContext prefix',
    url: (o) => o + SERVICE_PATH,
    headers: () => ({}),
    metadata: () => '',
    externalContext: (ns) => `${ns}:order-1`,
    declare: async (admin, ns) => void (await admin.createNamespace({ name: ns, match: { externalContextPrefix: `${ns}:` } })),
    getStatusIsolated: false,
  },
];

/** A system under test that reaches the mock one way (a Selection) in one namespace. */
function sut(origin: string, sel: Selection, ns: string) {
  const url = sel.url(origin, ns);
  const meta = (id?: string) =>
    `<ActivityMetadata xmlns="${API_NS}">${sel.metadata(ns)}${id ? `<MasterWorkflowInstanceId>${id}</MasterWorkflowInstanceId>` : ''}</ActivityMetadata>`;
  return {
    async fileBatch(fileName = 'invoice.pdf'): Promise<{ status: number; id: string | undefined; body: string }> {
      const body = envelope('1.1', fileBatchBody({ FileName: fileName, ExternalContext: sel.externalContext(ns) }), meta());
      const r = await raw(url, { method: 'POST', headers: { ...action('FileBatch'), ...sel.headers(ns) }, body });
      return { status: r.status, id: pick(r.body, 'MasterWorkflowInstanceId'), body: r.body };
    },
    async getStatus(id: string) {
      const body = envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, meta(id));
      const r = await raw(url, { method: 'POST', headers: { ...action('GetStatus'), ...sel.headers(ns) }, body });
      return { http: r.status, status: pick(r.body, 'Status'), errorCode: pick(r.body, 'ErrorCode'), body: r.body };
    },
  };
}

describe('namespaces isolate every scoped resource', () => {
  let mock: RunningMock;
  let fixtures: string;
  before(async () => {
    // A FIXTURES_DIR rule applies in every namespace: files named *.fixture-fails.pdf fail.
    fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-ns-fixtures-'));
    fs.writeFileSync(
      path.join(fixtures, 'rules.json'),
      JSON.stringify({
        rules: [{ id: 'from-dir', match: { operation: 'FileBatch', fileName: '*.fixture-fails.pdf' }, outcome: { status: 'Failed', errorCode: 'FailedToPutInputFile', at: 'Queued' } }],
        batches: [{ id: '777', externalContext: 'seeded in the default namespace only' }],
      }),
    );
    mock = await startMock({ FIXTURES_DIR: fixtures });
  });
  after(async () => {
    await mock.close();
    fs.rmSync(fixtures, { recursive: true, force: true });
  });

  for (const sel of SELECTIONS) {
    it(`by ${sel.method}: batches, rules and counters, clock, journal, reset`, async () => {
      const root = new AdminClient({ url: mock.origin });
      const tag = sel.method.replace(/[^a-z]+/g, '-').slice(0, 20);
      const [a, b] = [`${tag}-a`, `${tag}-b`];
      await sel.declare(root, a);
      await sel.declare(root, b);
      const [adminA, adminB] = [root.inNamespace(a), root.inNamespace(b)];
      const [sutA, sutB] = [sut(mock.origin, sel, a), sut(mock.origin, sel, b)];

      // Batches: each namespace sees its own, another's is NotFound, ids stay unique.
      await adminA.freezeClock();
      const inA = await sutA.fileBatch();
      const inB = await sutB.fileBatch();
      assert.equal(inA.status, 200, inA.body);
      assert.ok(inA.id && inB.id && inA.id !== inB.id);
      assert.equal((await sutA.getStatus(inA.id)).status, 'Queued');
      if (sel.getStatusIsolated) {
        assert.equal((await sutB.getStatus(inA.id)).status, 'NotFound', "B cannot see A's batch");
        assert.equal((await sutA.getStatus(inB.id)).status, 'NotFound', "A cannot see B's batch");
      }
      assert.deepEqual((await adminA.listBatches()).items.map((x) => x.id), [inA.id]);
      assert.equal((await adminA.getBatch(inA.id)).namespace, a);
      await assert.rejects(adminB.getBatch(inA.id), (e: unknown) => e instanceof AdminError && e.status === 404);
      await assert.rejects(root.getBatch(inA.id), (e: unknown) => e instanceof AdminError && e.status === 404, 'nor the default namespace');

      // Clock: A's frozen clock moves A's batch through its stages; B's runs on real time, untouched.
      const clockB = await adminB.clock();
      await adminA.advanceClock(11_000);
      assert.equal((await sutA.getStatus(inA.id)).status, 'Completed');
      assert.equal((await adminB.clock()).frozen, false);
      assert.ok(Math.abs((await adminB.clock()).offsetMs - clockB.offsetMs) < 5, "A's advance did not move B's clock");
      assert.equal((await sutB.getStatus(inB.id)).status, 'Queued');

      // Rules and counters: A's rule acts in A only, and counts A's requests only.
      await adminA.addRule({ id: 'only-a', match: { operation: 'GetStatus' }, fault: { type: 'soapFault', message: 'scripted in A' } });
      const faulted = await sutA.getStatus(inA.id);
      assert.equal(faulted.http, 500);
      assert.match(faulted.body, /scripted in A/);
      assert.equal((await sutB.getStatus(inB.id)).http, 200);
      assert.deepEqual((await adminB.listRules()).items.map((r) => r.id), ['from-dir']);
      assert.equal((await adminA.listRules()).items.find((r) => r.id === 'only-a')!.matched, 1);

      // FIXTURES_DIR's rules apply in every namespace; its fixed-id batches only in the default one.
      const failing = await sutB.fileBatch('x.fixture-fails.pdf');
      assert.equal((await adminB.getBatch(failing.id!)).status, 'Failed');
      assert.equal((await adminB.listBatches()).items.some((x) => x.id === '777'), false);

      // Journal: each namespace journals its own requests.
      // (A request that asked about the other's id is journaled where it ran, answered NotFound.)
      const journalA = await adminA.requests();
      const journalB = await adminB.requests();
      const own = (ids: (string | undefined)[]) => (e: { batchId: string | null; summary: string }) =>
        e.batchId === null || ids.includes(e.batchId) || e.summary === 'NotFound';
      assert.ok(journalA.items.every(own([inA.id])), JSON.stringify(journalA.items));
      assert.ok(journalB.items.every(own([inB.id, failing.id])), JSON.stringify(journalB.items));
      assert.equal(journalA.items.filter((e) => e.operation === 'GetStatus').length, sel.getStatusIsolated ? 4 : 3);
      assert.equal((await root.requests()).items.length, 0, 'the default namespace saw none of it');

      // Reset: A back to its start state; B keeps everything.
      const reset = await adminA.reset();
      assert.equal(reset.namespace, a);
      assert.equal((await adminA.listBatches()).stored, 0);
      assert.equal((await adminA.clock()).frozen, false);
      assert.equal((await adminB.listBatches()).stored, 2);
      assert.equal((await adminB.requests()).items.length, journalB.items.length);
      assert.equal((await root.getBatch('777')).id, '777', "the default namespace's fixture batch is untouched");
    });
  }

  it("a namespace's own fixture applies in it alone, on creation and on every reset", async () => {
    const root = new AdminClient({ url: mock.origin });
    const own = root.inNamespace('with-fixture');
    await root.createNamespace({
      name: 'with-fixture',
      fixture: {
        profiles: ['OnlyHere'],
        batches: [{ id: '424242', externalContext: 'mine', status: 'WaitingForOutput' }],
        rules: [{ id: 'own', match: { operation: 'FileBatch' }, hold: 'ProcessingInput' }],
      },
    });
    assert.equal((await own.getBatch('424242')).externalContext, 'mine');
    assert.deepEqual((await own.listRules()).items.map((r) => r.id).sort(), ['from-dir', 'own']);
    await own.deleteBatch('424242');
    await own.deleteRule('own');
    await own.reset();
    assert.equal((await own.getBatch('424242')).status, 'WaitingForOutput', 're-seeded by reset');
    assert.ok((await own.listRules()).items.some((r) => r.id === 'own'));
    // A profile list from the fixture: other profiles fail with RobotProfileNotFound, here only.
    const viaHeader = sut(mock.origin, SELECTIONS[1]!, 'with-fixture');
    const refused = await viaHeader.fileBatch();
    await own.deleteRule('own');
    await own.advanceClock(60_000);
    assert.equal((await own.getBatch(refused.id!)).errorCode, 'RobotProfileNotFound');
    const elsewhere = await sut(mock.origin, SELECTIONS[1]!, 'no-fixture').fileBatch();
    assert.notEqual((await root.inNamespace('no-fixture').getBatch(elsewhere.id!)).errorCode, 'RobotProfileNotFound');
  });

  it("a namespace fixture cannot take a batch id another namespace or FIXTURES_DIR holds; its rule replaces FIXTURES_DIR's rule of the same id", async () => {
    const root = new AdminClient({ url: mock.origin });
    const taken = await root.createBatch({});
    for (const id of [taken.id, '777']) {
      await assert.rejects(
        root.createNamespace({ name: `clash-${id}`, fixture: { batches: [{ id }] } }),
        (e: unknown) => e instanceof AdminError && e.status === 409 && e.problem?.pointer === '/fixture/batches/0/id',
      );
    }
    await root.deleteBatch('777');
    await assert.rejects(root.createNamespace({ name: 'clash-deleted', fixture: { batches: [{ id: '777' }] } }), (e: unknown) => e instanceof AdminError && e.status === 409);
    await root.reset();
    assert.equal((await root.getBatch('777')).id, '777', 'the default namespace gets its fixture batch back');
    const names = (await root.listNamespaces()).items.map((n) => n.name);
    assert.ok(!names.some((n) => n.startsWith('clash-')), 'nothing half-made');
    await root.createNamespace({ name: 'own-rule', fixture: { rules: [{ id: 'from-dir', match: { operation: 'GetStatus' }, fault: { type: 'reset' } }] } });
    assert.deepEqual((await root.inNamespace('own-rule').listRules()).items.map((r) => [r.id, r.fault?.type]), [['from-dir', 'reset']]);
    await root.inNamespace('own-rule').reset();
    assert.deepEqual((await root.inNamespace('own-rule').listRules()).items.map((r) => r.id), ['from-dir']);
  });

  it('a content match on an unknown ActivityMetadata field is refused (it could never match)', async () => {
    const r = await raw(`${mock.origin}/__admin/namespaces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'typo', match: { metadata: { WorkflowSpaceName: 'Nightly' } } }),
    });
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).pointer, '/match/metadata/WorkflowSpaceName');
  });

  it("a request naming no valid namespace is journaled nowhere, not in the default namespace's journal", async () => {
    const root = new AdminClient({ url: mock.origin });
    await root.clearRequests();
    const bad = await raw(mock.origin + SERVICE_PATH, { method: 'POST', headers: { ...action('FileBatch'), 'X-Cora-Mock-Namespace': 'bad name' }, body: envelope('1.1', fileBatchBody()) });
    assert.equal(bad.status, 500);
    assert.equal((await root.requests()).items.length, 0);
  });

  it('the path prefix wins over the header; the WSDL and disco keep the prefix', async () => {
    const r = await raw(`${mock.origin}/ns/by-path${SERVICE_PATH}`, {
      method: 'POST',
      headers: { ...action('FileBatch'), 'X-Cora-Mock-Namespace': 'by-header' },
      body: envelope('1.1', fileBatchBody()),
    });
    const id = pick(r.body, 'MasterWorkflowInstanceId')!;
    const admin = new AdminClient({ url: mock.origin });
    assert.equal((await admin.inNamespace('by-path').getBatch(id)).namespace, 'by-path');
    const wsdl = await raw(`${mock.origin}/ns/by-path${SERVICE_PATH}?wsdl`, { headers: { Host: 'mock.test:8080' } });
    assert.equal(wsdl.status, 200);
    const addresses = [...wsdl.body.matchAll(/location="(http[^"]+)"/g)].map((m) => m[1]);
    assert.ok(addresses.length >= 2);
    for (const a of addresses) assert.equal(a, `http://mock.test:8080/ns/by-path${SERVICE_PATH}`);
    const disco = await raw(`${mock.origin}/ns/by-path${SERVICE_PATH}?disco`, { headers: { Host: 'mock.test:8080' } });
    assert.match(disco.body, new RegExp(`ref="http://mock.test:8080/ns/by-path${SERVICE_PATH.replace(/\./g, '\\.')}\\?wsdl"`));
    // The admin API under the same prefix works in that namespace.
    const viaPath = await raw(`${mock.origin}/ns/by-path/__admin/batches/${id}`);
    assert.equal(viaPath.status, 200);
    assert.equal(JSON.parse(viaPath.body).namespace, 'by-path');
    const listed = (await admin.listNamespaces()).items.map((n) => n.name);
    assert.ok(listed.includes('by-path') && !listed.includes('by-header'), 'the header was not used');
  });

  it('a GetStatus that names no namespace finds nothing of a named one', async () => {
    const { id } = await sut(mock.origin, SELECTIONS[0]!, 'hidden').fileBatch();
    const r = await sut(mock.origin, SELECTIONS[1]!, 'default').getStatus(id!);
    assert.equal(r.status, 'NotFound');
    assert.equal(r.errorCode, 'NoError');
  });
});

describe('namespace names and limits', () => {
  let mock: RunningMock;
  before(async () => {
    mock = await startMock({ MAX_NAMESPACES: '2' });
  });
  after(() => mock.close());

  const soapIn = (ns: string, how: 'path' | 'header') =>
    raw(how === 'path' ? `${mock.origin}/ns/${ns}${SERVICE_PATH}` : mock.origin + SERVICE_PATH, {
      method: 'POST',
      headers: { ...action('FileBatch'), ...(how === 'header' ? { 'X-Cora-Mock-Namespace': ns } : {}) },
      body: envelope('1.1', fileBatchBody()),
    });

  it('a bad name is a soap:Client fault (SOAP) and a 400 problem (admin), and creates nothing', async () => {
    for (const [ns, how] of [['-leading-dash', 'header'], ['a'.repeat(65), 'header'], ['sp ace', 'header'], ['bad$name', 'path'], ['x:y', 'path']] as const) {
      const r = await soapIn(ns, how);
      assert.equal(r.status, 500, `${how} ${ns}`);
      assert.match(r.body, /<faultcode>soap:Client<\/faultcode><faultstring>'[^']*' is not a namespace name: 1 to 64 letters/, `${how} ${ns}: ${r.body}`);
    }
    const admin = await raw(`${mock.origin}/__admin/batches`, { headers: { 'X-Cora-Mock-Namespace': 'no/slash' } });
    assert.equal(admin.status, 400);
    assert.match(admin.body, /is not a namespace name/);
    const created = await raw(`${mock.origin}/__admin/namespaces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x y"}' });
    assert.equal(created.status, 400);
    assert.match(JSON.parse(created.body).detail, /^\/name: must match pattern/);
    assert.equal((await new AdminClient({ url: mock.origin }).listNamespaces()).items.length, 1, 'only the default namespace');
  });

  it('past MAX_NAMESPACES a new name is a clear fault (SOAP) and a 409 (admin); dropping one makes room', async () => {
    const admin = new AdminClient({ url: mock.origin });
    assert.equal((await soapIn('one', 'path')).status, 200);
    assert.equal((await soapIn('two', 'header')).status, 200);
    const refused = await soapIn('three', 'header');
    assert.equal(refused.status, 500);
    assert.match(refused.body, /<faultcode>soap:Server<\/faultcode><faultstring>Server was unable to process request. ---&gt; cannot create namespace 'three': the mock already holds MAX_NAMESPACES \(2\) namespaces/);
    await assert.rejects(admin.createNamespace({ name: 'three' }), (e: unknown) => e instanceof AdminError && e.status === 409 && /MAX_NAMESPACES/.test(e.message));
    await assert.rejects(admin.inNamespace('three').clock(), (e: unknown) => e instanceof AdminError && e.status === 409);
    // Existing namespaces keep working at the limit.
    assert.equal((await soapIn('one', 'header')).status, 200);
    const list = await admin.listNamespaces();
    assert.deepEqual(list.items.map((n) => [n.name, n.batches]), [['default', 0], ['one', 2], ['two', 1]]);
    assert.equal(list.limit, 2);
    await admin.dropNamespace('one');
    assert.equal((await soapIn('three', 'header')).status, 200);
    await assert.rejects(admin.getNamespace('one'), (e: unknown) => e instanceof AdminError && e.status === 404);
    await assert.rejects(admin.dropNamespace('default'), (e: unknown) => e instanceof AdminError && e.status === 400);
    await assert.rejects(admin.createNamespace({ name: 'two' }), (e: unknown) => e instanceof AdminError && e.status === 409 && /already exists/.test(e.message));
  });

  it('a global reset drops every namespace but the default one, with their batches', async () => {
    const admin = new AdminClient({ url: mock.origin });
    const r = await admin.reset({ allNamespaces: true });
    assert.equal(r.namespace, 'default');
    assert.ok((r.droppedNamespaces ?? 0) >= 1);
    assert.deepEqual((await admin.listNamespaces()).items.map((n) => n.name), ['default']);
    assert.equal((await admin.health()).batches, 0);
  });
});

describe('the journals share JOURNAL_LIMIT', () => {
  it("a busy namespace fills the budget without emptying a quiet one's journal", async () => {
    const mock = await startMock({ JOURNAL_LIMIT: '50' });
    try {
      const quiet = sut(mock.origin, SELECTIONS[1]!, 'quiet');
      const busy = sut(mock.origin, SELECTIONS[1]!, 'busy');
      for (let i = 0; i < 5; i++) await quiet.getStatus('1');
      for (let i = 0; i < 200; i++) await busy.getStatus('2');
      const admin = new AdminClient({ url: mock.origin });
      const [q, b] = [await admin.inNamespace('quiet').requests(), await admin.inNamespace('busy').requests()];
      assert.equal(q.items.length, 5, 'the quiet journal kept everything');
      assert.equal(q.dropped, 0);
      assert.equal(b.items.length, 45, 'the busy one holds the rest of the budget');
      assert.equal(b.dropped, 155);
      assert.equal(b.items.at(-1)!.seq, 200, 'and its newest entries');
      assert.equal(b.capacity, 50);
      // A namespace that starts late takes entries from the fullest until it holds its fair share
      // (50 / 3 journals: 16), then gives up its own oldest; the quiet one keeps all of its 5.
      const late = sut(mock.origin, SELECTIONS[1]!, 'late');
      for (let i = 0; i < 20; i++) await late.getStatus('3');
      const [q2, b2, l2] = [await admin.inNamespace('quiet').requests(), await admin.inNamespace('busy').requests(), await admin.inNamespace('late').requests()];
      assert.deepEqual([q2.items.length, b2.items.length, l2.items.length], [5, 29, 16]);
      assert.equal(l2.dropped, 4);
    } finally {
      await mock.close();
    }
  });
});

describe('eight parallel workers on one mock', () => {
  let mock: RunningMock;
  before(async () => {
    mock = await startMock({ QUEUED_MS: '1000', PROCESSING_INPUT_MS: '1000', WAITING_FOR_OUTPUT_MS: '1000' });
  });
  after(() => mock.close());

  it('with interleaved resets, clock moves and rules, no worker ever sees another one', async () => {
    const worker = async (n: number) => {
      const ns = `worker-${n}`;
      const sel = SELECTIONS[n % 2]!; // half by path, half by header
      const admin = new AdminClient({ url: mock.origin, namespace: ns });
      const me = sut(mock.origin, sel, ns);
      const mine = new Set<string>();
      for (let round = 0; round < 6; round++) {
        await admin.reset();
        mine.clear();
        await admin.freezeClock();
        // Each worker scripts its own failure code; seeing another's would show a leak.
        const code = (['InputFileNotFound', 'InputFileExists', 'OutputFileExists', 'FailedToPutOutputFile'] as const)[n % 4];
        await admin.addRule({ id: `rule-${n}`, match: { operation: 'FileBatch', fileName: `w${n}-*` }, outcome: { status: 'Failed', errorCode: code, at: 'ProcessingInput' } });
        for (let i = 0; i < 5; i++) {
          const r = await me.fileBatch(i % 2 ? `w${n}-${i}.pdf` : `plain-${i}.pdf`);
          assert.equal(r.status, 200, r.body);
          mine.add(r.id!);
        }
        await admin.advanceClock(1000 * (1 + (round % 3)));
        const page = await admin.listBatches({ limit: 1000 });
        assert.deepEqual(new Set(page.items.map((b) => b.id)), mine, `${ns} round ${round}: its batches and no others`);
        for (const b of page.items) {
          assert.equal(b.namespace, ns);
          if (b.status === 'Failed') assert.equal(b.errorCode, code, `${ns}: only its own rule acted`);
        }
        const clock = await admin.clock();
        assert.equal(clock.frozen, true, `${ns}: no other worker's reset resumed its clock`);
        const journal = await admin.requests();
        assert.ok(journal.items.every((e) => e.batchId === null || mine.has(e.batchId)), `${ns}: its journal holds its requests only`);
        assert.equal(journal.items.length, 5, `${ns} round ${round}: exactly its 5 requests`);
        assert.deepEqual((await admin.listRules()).items.map((r) => r.id), [`rule-${n}`]);
        for (const id of mine) assert.notEqual((await me.getStatus(id)).status, 'NotFound');
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, n) => worker(n)));
  });
});

describe('persistence', () => {
  it('a database written by the release before namespaces opens, is migrated in place, and serves its batches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-migrate-'));
    const db = path.join(dir, 'v0.sqlite');
    fs.copyFileSync(path.join(__dirname, 'fixtures-db/v0-release.sqlite'), db);
    const server = await spawnServer({ DB_PATH: db });
    try {
      const admin = new AdminClient({ url: server.origin });
      const got = async (id: string) => {
        const b = await admin.getBatch(id);
        return [b.namespace, b.status, b.errorCode, b.externalContext];
      };
      assert.deepEqual(await got('1001'), ['default', 'Completed', 'NoError', 'ctx-done']);
      assert.deepEqual(await got('1002'), ['default', 'Failed', 'InputFileNotFound', null]);
      assert.deepEqual(await got('1003'), ['default', 'Aborted', 'InternalError', 'ctx-forced']);
      assert.deepEqual(await got('9007199254740993'), ['default', 'WaitingForOutput', 'NoError', 'ctx-big']);
      assert.deepEqual((await admin.getBatch('1001')).metadata, { workflowSpaceName: 'Finance', callerId: 7, masterWorkflowInstanceId: '0' });
      assert.equal((await admin.getBatch('1001')).history!.map((h) => h.status).join(' '), 'Queued ProcessingInput WaitingForOutput Completed');
      const r = await raw(server.serviceUrl, { method: 'POST', headers: action('FileBatch'), body: envelope('1.1', fileBatchBody()) });
      assert.equal(pick(r.body, 'MasterWorkflowInstanceId'), '9007199254740994', 'the id sequence carries on');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const { default: Database } = await import('better-sqlite3');
    const check = new Database(db, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 1);
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a database from a newer release is refused with one clear line, and left as it was', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-future-'));
    const db = path.join(dir, 'future.sqlite');
    fs.copyFileSync(path.join(__dirname, 'fixtures-db/v0-release.sqlite'), db);
    const { default: Database } = await import('better-sqlite3');
    const w = new Database(db);
    w.pragma('user_version = 99');
    w.close();
    const before = fs.readFileSync(db);
    const r = await runToExit({ DB_PATH: db });
    assert.equal(r.code, 1);
    assert.match(r.output, /cora-ocr-mock: cannot start: DB_PATH .*future\.sqlite: written by a newer cora-ocr-mock \(schema version 99; this release knows versions up to 1\)/);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
    assert.ok(fs.readFileSync(db).equals(before), 'not touched');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a restart keeps every namespace: its batches, its definition and its content match", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-ns-restart-'));
    const env = { DB_PATH: path.join(dir, 'db.sqlite') };
    let server = await spawnServer(env);
    const matched = sut(server.origin, SELECTIONS[2]!, 'kept');
    await SELECTIONS[2]!.declare(new AdminClient({ url: server.origin }), 'kept');
    const { id } = await matched.fileBatch();
    assert.equal(await server.stop(), 0);
    server = await spawnServer(env);
    try {
      const again = sut(server.origin, SELECTIONS[2]!, 'kept');
      assert.notEqual((await again.getStatus(id!)).status, 'NotFound', 'the content match still selects it');
      const ns = await new AdminClient({ url: server.origin }).getNamespace('kept');
      assert.equal(ns.batches, 1);
      assert.deepEqual(ns.match, { metadata: { workflowSpaceName: 'space-kept', callerId: 7 } });
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('idle namespaces', () => {
  it('count their idle time from a restart, not from before it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-ns-idle-'));
    const dbPath = path.join(dir, 'db.sqlite');
    let t = Date.parse('2030-01-01T00:00:00Z');
    const options = (store: BatchStore): ControlOptions => ({
      store,
      basePolicy: { timings: { queuedMs: 1, processingInputMs: 1, waitingForOutputMs: 1 }, timeoutUnitMs: 1000 },
      configuredProfiles: null,
      loadFixtures: () => EMPTY_FIXTURES,
      journalLimit: 100,
      maxNamespaces: 10,
      namespaceIdleMs: 5000,
      describeWsdl: async () => 'loaded',
      now: () => t,
    });
    let store = new BatchStore(dbPath, 1001n);
    let control = new MockControl(options(store));
    control.world('suite').createBatch({});
    t += 10_000; // idle for longer than NAMESPACE_IDLE_MS, then the mock restarts
    control.close();
    store.close();
    store = new BatchStore(dbPath, 1001n);
    control = new MockControl(options(store));
    t += 1000;
    assert.equal(control.reclaimIdle(), 0, 'not reclaimed on the first sweep after a restart');
    assert.equal(control.getNamespace('suite').batches, 1);
    t += 5000;
    assert.equal(control.reclaimIdle(), 1, 'reclaimed once idle for NAMESPACE_IDLE_MS since the restart');
    control.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are reclaimed after NAMESPACE_IDLE_MS, while one in use stays', async () => {
    const mock = await startMock({ NAMESPACE_IDLE_MS: '1500' });
    try {
      const admin = new AdminClient({ url: mock.origin });
      await admin.inNamespace('idle').createBatch({});
      await admin.inNamespace('busy').clock();
      // Keep 'busy' in use until 'idle' is gone (polling is the use), with an upper bound.
      const deadline = Date.now() + 15_000;
      let names = (await admin.listNamespaces()).items.map((n) => n.name);
      while (names.includes('idle')) {
        assert.ok(Date.now() < deadline, `idle namespace never reclaimed: ${names.join(', ')}`);
        await admin.inNamespace('busy').clock();
        names = (await admin.listNamespaces()).items.map((n) => n.name);
      }
      assert.deepEqual(names, ['default', 'busy']);
      assert.equal((await admin.health()).batches, 0, "the idle namespace's batch went with it");
    } finally {
      await mock.close();
    }
  });
});
