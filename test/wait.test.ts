// Waiting instead of sleeping (issue 13, parts 1 and 2): long polls for a batch's status and for
// journaled requests, against a real server over real HTTP. No test here sleeps: a "not yet"
// is asserted through the mock's own count of open waits, an order through the order of answers.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient, AdminError, BatchJson } from '../server/client';
import { RunningMock, raw, startMock, status, submit } from './support/mock';
import { waitFor } from './support/wait';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock();
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset());

async function rejectsWith(p: Promise<unknown>, code: number, detail?: RegExp): Promise<AdminError> {
  let caught: AdminError | undefined;
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AdminError, String(err));
    assert.equal(err.status, code, err.message);
    if (detail) assert.match(err.problem?.detail ?? '', detail);
    caught = err;
    return true;
  });
  return caught!;
}

/** The mock's count of open waits (all namespaces). */
const openWaits = async (client = admin) => (await client.health()).waiters.open;

/** Waits until the mock holds `n` open waits: a wait is registered before the test moves on. */
const untilOpen = (n: number, client = admin) => waitFor(async () => (await openWaits(client)) === n, { what: `${n} open waits` });

/** A promise's outcome without awaiting it: 'pending' until it settles. */
function track<T>(p: Promise<T>) {
  const t = { state: 'pending' as 'pending' | 'resolved' | 'rejected', value: undefined as T | undefined, error: undefined as unknown };
  p.then(
    (v) => Object.assign(t, { state: 'resolved', value: v }),
    (e) => Object.assign(t, { state: 'rejected', error: e }),
  );
  return t;
}

const at = (b: BatchJson) => Date.parse(b.since) - Date.parse(b.createdAt);

describe('waiting for a batch status', () => {
  it('answers at the exact virtual moment of the transition (frozen clock, advance)', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const wait = track(admin.waitForStatus(id, ['ProcessingInput', 'Failed'], { timeoutMs: 20_000 }));
    await untilOpen(1);
    await admin.advanceClock(1999);
    // The advance's answer leaves after the waiter looked again: still open means not woken.
    assert.equal(await openWaits(), 1);
    assert.equal(wait.state, 'pending');
    await admin.advanceClock(1);
    await untilOpen(0);
    await waitFor(() => wait.state !== 'pending', { what: 'the wait to answer' });
    assert.equal(wait.state, 'resolved', String(wait.error));
    const b = wait.value!;
    assert.equal(b.id, id);
    assert.equal(b.status, 'ProcessingInput');
    assert.equal(at(b), 2000, 'the transition the wait answered is the one at 2000 ms');
    assert.equal(Date.parse((await admin.clock()).now) - Date.parse(b.createdAt), 2000, 'virtual time is exactly at the transition');
  });

  it('answers at once when the batch already is in one of the statuses', async () => {
    const b = await admin.createBatch({ status: 'Completed' });
    const got = await admin.waitForStatus(b.id, ['Failed', 'Completed'], { timeoutMs: 0 });
    assert.equal(got.status, 'Completed');
    assert.equal(await openWaits(), 0);
  });

  it('with a running clock, wakes at each transition on its own, in order, never early', async () => {
    // Two batches, transitions 150 ms and 450 ms after creation (real time): one timer each, no polling.
    const early = await admin.createBatch({ timings: { queuedMs: 150 } });
    const late = await admin.createBatch({ timings: { queuedMs: 450 } });
    const order: string[] = [];
    const waits = [late, early].map((b) =>
      admin.waitForStatus(b.id, 'ProcessingInput', { timeoutMs: 20_000 }).then((got) => {
        order.push(got.id);
        return got;
      }),
    );
    const [gotLate, gotEarly] = await Promise.all(waits);
    assert.deepEqual(order, [early.id, late.id], 'answered in the order of the transitions');
    for (const [got, ms] of [[gotEarly!, 150], [gotLate!, 450]] as const) {
      assert.equal(got.status, 'ProcessingInput');
      assert.equal(at(got), ms, 'the transition is the planned one');
      // Recorded when the waiter woke, which is never before the transition happened.
      const seen = got.history!.find((h) => h.status === 'ProcessingInput')!;
      assert.ok(Date.parse(seen.recordedAt) >= Date.parse(seen.at), `woke at ${seen.recordedAt}, transition at ${seen.at}`);
    }
  });

  it('a PATCH wakes it', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const wait = admin.waitForStatus(id, ['Failed'], { timeoutMs: 20_000 });
    await untilOpen(1);
    await admin.setBatchStatus(id, 'WaitingForOutput'); // not yet
    assert.equal(await openWaits(), 1);
    await admin.setBatchStatus(id, 'Failed', 'InternalError');
    const b = await wait;
    assert.deepEqual([b.status, b.errorCode], ['Failed', 'InternalError']);
  });

  it('wakes when the outcome a rule scripted strikes (frozen clock)', async () => {
    await admin.freezeClock();
    await admin.addRule({ match: { operation: 'FileBatch' }, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } });
    const id = await submit(mock);
    const wait = track(admin.waitForStatus(id, ['Completed', 'Failed'], { timeoutMs: 20_000 }));
    await untilOpen(1);
    await admin.advanceClock(1999);
    assert.equal(await openWaits(), 1);
    await admin.advanceClock(1);
    await waitFor(() => wait.state !== 'pending', { what: 'the wait to answer' });
    const b = wait.value!;
    assert.deepEqual([b.status, b.errorCode, at(b)], ['Failed', 'InputFileNotFound', 2000]);
  });

  it('wakes at the moment a rule\'s timings scripted (running clock)', async () => {
    await admin.addRule({ match: { operation: 'FileBatch', fileName: '*.quick.pdf' }, timings: { queuedMs: 100, processingInputMs: 100 } });
    const id = await submit(mock, { FileName: 'a.quick.pdf' });
    const b = await admin.waitForStatus(id, 'WaitingForOutput', { timeoutMs: 20_000 });
    assert.deepEqual([b.status, at(b)], ['WaitingForOutput', 200]);
  });

  it('wakes on set, and a set that jumps past several transitions answers the status reached', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const created = Date.parse((await admin.getBatch(id)).createdAt);
    const wait = admin.waitForStatus(id, ['Completed'], { timeoutMs: 20_000 });
    await untilOpen(1);
    await admin.setClock(new Date(created + 60_000).toISOString());
    const b = await wait;
    assert.deepEqual([b.status, at(b)], ['Completed', 10_000]);
  });

  it('times out with a 408 problem naming the status the batch is in', async () => {
    const b = await admin.createBatch({ hold: 'ProcessingInput', status: 'ProcessingInput' });
    const err = await rejectsWith(admin.waitForStatus(b.id, ['Completed', 'Failed'], { timeoutMs: 50 }), 408, /is ProcessingInput \(NoError, since .*\), not Completed or Failed, after waiting \d+ ms/);
    assert.equal(err.problem?.batch?.status, 'ProcessingInput');
    assert.ok((err.problem?.waitedMs ?? 0) >= 50);
    assert.equal(await openWaits(), 0, 'the waiter is gone');
  });

  it('a client that disconnects frees its waiter', async () => {
    const b = await admin.createBatch({ hold: 'Queued' });
    const req = http.get(`${mock.origin}/__admin/batches/${b.id}/wait?status=Completed&timeoutMs=60000`);
    req.on('error', () => {});
    await untilOpen(1);
    req.destroy();
    await untilOpen(0);
    // The same through the client's AbortSignal.
    const stop = new AbortController();
    const wait = admin.waitForStatus(b.id, 'Completed', { timeoutMs: 60_000, signal: stop.signal });
    await untilOpen(1);
    stop.abort();
    await assert.rejects(wait);
    await untilOpen(0);
  });

  it('a batch deleted while waited for ends the wait with a 404; so does a reset', async () => {
    const a = await admin.createBatch({ hold: 'Queued' });
    const wait = admin.waitForStatus(a.id, 'Completed', { timeoutMs: 20_000 });
    await untilOpen(1);
    await admin.deleteBatch(a.id);
    await rejectsWith(wait, 404, /deleted while waiting/);
    const b = await admin.createBatch({ hold: 'Queued' });
    const again = admin.waitForStatus(b.id, 'Completed', { timeoutMs: 20_000 });
    await untilOpen(1);
    await admin.reset({ keepBatches: true }); // the batch stays: still waiting
    assert.equal(await openWaits(), 1);
    await admin.reset();
    await rejectsWith(again, 404, /deleted while waiting/);
  });

  it('refuses an unknown batch, a bad status list and a timeout past WAIT_TIMEOUT_MAX_MS', async () => {
    await rejectsWith(admin.waitForStatus('777777', 'Completed'), 404, /not found/);
    const b = await admin.createBatch({});
    await rejectsWith(admin.waitForStatus(b.id, 'NotFound' as never), 400, /not a status a batch can be in/);
    await rejectsWith(admin.waitForStatus(b.id, 'Done' as never), 400, /'Done' is not a status/);
    await rejectsWith(admin.waitForStatus(b.id, [], {}), 400, /name the statuses/);
    await rejectsWith(admin.waitForStatus(b.id, 'Completed', { timeoutMs: 300_001 }), 400, /timeoutMs: must be an integer from 0 to 300000/);
    const r = await raw(`${mock.origin}/__admin/batches/${b.id}/wait?status=Completed&colour=red`);
    assert.equal(r.status, 400);
  });

  it('works in the namespace the call names, and a clock elsewhere does not wake it', async () => {
    const ns = admin.inNamespace('wait-ns');
    await ns.reset();
    await ns.freezeClock();
    await admin.freezeClock();
    const b = await ns.createBatch({});
    await rejectsWith(admin.waitForStatus(b.id, 'Completed'), 404, /not found/); // not the default namespace's
    const r = raw(`${mock.origin}/ns/wait-ns/__admin/batches/${b.id}/wait?status=ProcessingInput&timeoutMs=20000`);
    await untilOpen(1);
    assert.equal((await ns.getNamespace('wait-ns')).waiters, 1);
    await admin.advanceClock(60_000); // the default namespace's clock
    assert.equal(await openWaits(), 1);
    await ns.advanceClock(2000);
    const got = await r;
    assert.equal(got.status, 200);
    assert.equal(JSON.parse(got.body).status, 'ProcessingInput');
    // Dropping the namespace ends its waits.
    const c = await ns.createBatch({});
    const dropped = ns.waitForStatus(c.id, 'Completed', { timeoutMs: 20_000 });
    await untilOpen(1);
    await admin.dropNamespace('wait-ns');
    await rejectsWith(dropped, 404, /namespace wait-ns was dropped/);
  });
});

describe('waiting for requests', () => {
  it('answers when the Nth matching request is journaled, with every match', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const other = await submit(mock);
    const wait = track(admin.waitForRequests({ operation: 'GetStatus', batchId: id }, 3, { timeoutMs: 20_000 }));
    await untilOpen(1);
    await status(mock, id);
    await status(mock, other); // does not match
    await status(mock, id);
    assert.equal(await openWaits(), 1);
    assert.equal(wait.state, 'pending');
    await status(mock, id);
    await waitFor(() => wait.state !== 'pending', { what: 'the wait to answer' });
    const page = wait.value!;
    assert.deepEqual(page.items.map((e) => [e.operation, e.batchId]), Array(3).fill(['GetStatus', id]));
  });

  it('answers at once when enough have been journaled already', async () => {
    const id = await submit(mock);
    const page = await admin.waitForRequests({ operation: 'FileBatch' }, 1, { timeoutMs: 0 });
    assert.deepEqual(page.items.map((e) => e.batchId), [id]);
  });

  it('filters by protocol and counts afresh after the journal is cleared', async () => {
    const id = await submit(mock);
    const wait = track(admin.waitForRequests({ protocol: 'httpget' }, 2, { timeoutMs: 20_000 }));
    await untilOpen(1);
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`);
    await admin.clearRequests(); // the one seen is gone: two more are needed
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`);
    assert.equal(await openWaits(), 1);
    await status(mock, id); // SOAP 1.1: not httpget
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`);
    const page = await (async () => {
      await waitFor(() => wait.state !== 'pending', { what: 'the wait to answer' });
      return wait.value!;
    })();
    assert.deepEqual(page.items.map((e) => e.protocol), ['httpget', 'httpget']);
  });

  it('times out with a 408 that says how many matched, with them', async () => {
    const id = await submit(mock);
    await status(mock, id);
    const err = await rejectsWith(admin.waitForRequests({ operation: 'GetStatus' }, 2, { timeoutMs: 30 }), 408, /^1 of 2 requests matching operation=GetStatus after waiting \d+ ms$/);
    assert.equal(err.problem?.count, 1);
    assert.equal(err.problem?.items?.[0]?.batchId, id);
  });

  it('refuses a count below 1 and unknown parameters', async () => {
    for (const qs of ['count=0', 'count=x', 'limit=3', 'timeoutMs=-1']) {
      const r = await raw(`${mock.origin}/__admin/requests/wait?${qs}`);
      assert.equal(r.status, 400, qs);
    }
  });
});

describe('bounds', () => {
  it('at most MAX_WAITERS open waits (503, Retry-After); a wait already satisfied needs no slot', async () => {
    const m = await startMock({ MAX_WAITERS: '2' });
    const client = new AdminClient({ url: m.origin });
    try {
      const b = await client.createBatch({ hold: 'Queued' });
      const stop = new AbortController();
      const open = [1, 2].map(() => client.waitForStatus(b.id, 'Completed', { timeoutMs: 60_000, signal: stop.signal }).catch(() => null));
      await untilOpen(2, client);
      const r = await raw(`${m.origin}/__admin/batches/${b.id}/wait?status=Completed&timeoutMs=1000`);
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      assert.match(JSON.parse(r.body).detail, /MAX_WAITERS \(2\)/);
      assert.equal((await client.waitForStatus(b.id, 'Queued')).status, 'Queued');
      stop.abort();
      await Promise.all(open);
      await untilOpen(0, client);
    } finally {
      await m.close();
    }
  });

  it('a wait longer than REQUEST_TIMEOUT_MS is not cut off by it (that bounds receiving a request)', async () => {
    const m = await startMock({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000' });
    try {
      const client = new AdminClient({ url: m.origin });
      const b = await client.createBatch({ hold: 'Queued' });
      await rejectsWith(client.waitForStatus(b.id, 'Completed', { timeoutMs: 2500 }), 408);
    } finally {
      await m.close();
    }
  });

  it('shutdown ends open waits at once: 503, connection closed', async () => {
    const m = await startMock({ SHUTDOWN_GRACE_MS: '30000' });
    const client = new AdminClient({ url: m.origin });
    const b = await client.createBatch({ hold: 'Queued' });
    const wait = raw(`${m.origin}/__admin/batches/${b.id}/wait?status=Completed&timeoutMs=60000`);
    await untilOpen(1, client);
    let graceOver = false;
    const sentinel = setTimeout(() => (graceOver = true), 15_000);
    await m.close();
    clearTimeout(sentinel);
    assert.equal(graceOver, false, 'close() did not wait for the grace period');
    const r = await wait;
    assert.equal(r.status, 503);
    assert.equal(r.headers['connection'], 'close');
    assert.match(JSON.parse(r.body).detail, /shutting down/);
  });
});
