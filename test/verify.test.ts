// Verification of the journal (issue 13, part 3): counts, never, sequences. The answer is always
// 200; a failing check's message lists what was seen, in order, so it reads as a test's diagnosis.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient, AdminError } from '../server/client';
import { RunningMock, raw, startMock, status, submit } from './support/mock';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock();
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset());

/** `#3 soap11 GetStatus batch 1001: 200 Queued (<ISO time>)` with the time made comparable. */
const lines = (message: string) => message.replace(/\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '(T)');

/** The journal's seqs, oldest first (they keep counting across clears and resets). */
const seqs = async (client = admin) => (await client.requests()).items.map((e) => e.seq);

describe('verify: counts', () => {
  it('exactly, atLeast, atMost: pass and fail, each failure listing what matched in order', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    await status(mock, id);
    await status(mock, id);
    const match = { operation: 'GetStatus' as const, batchId: id };

    const [, a, b] = await seqs();
    let r = await admin.verify({ match, count: { exactly: 2 } });
    assert.deepEqual([r.pass, r.matched, r.message], [true, 2, `2 requests matching operation=GetStatus batchId=${id}; expected exactly 2 requests`]);
    assert.deepEqual(r.seen.map((e) => [e.seq, e.operation, e.summary]), [[a, 'GetStatus', 'Queued'], [b, 'GetStatus', 'Queued']]);

    r = await admin.verify({ match, count: { exactly: 1 } });
    assert.equal(r.pass, false);
    assert.equal(
      lines(r.message),
      `expected exactly 1 request matching operation=GetStatus batchId=${id}, but 2 matched:\n` +
        `  #${a} soap11 GetStatus batch ${id}: 200 Queued (T)\n` +
        `  #${b} soap11 GetStatus batch ${id}: 200 Queued (T)`,
    );
    assert.equal((await admin.verify({ match, count: { atLeast: 2 } })).pass, true);
    assert.equal((await admin.verify({ match, count: { atLeast: 3 } })).pass, false);
    assert.equal((await admin.verify({ match, count: { atMost: 2 } })).pass, true);
    r = await admin.verify({ match, count: { atMost: 1 } });
    assert.equal(r.pass, false);
    assert.ok(r.message.startsWith(`expected at most 1 request matching operation=GetStatus batchId=${id}, but 2 matched:\n  #${a} `), r.message);
    // No count, never nor sequence: at least one.
    assert.equal((await admin.verify({ match })).message, `2 requests matching operation=GetStatus batchId=${id}; expected at least 1 request`);
  });

  it('when nothing matched, the message lists the newest entries of the journal (the near misses)', async () => {
    const id = await submit(mock);
    await raw(`${mock.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`);
    const [a, b] = await seqs();
    const r = await admin.verify({ match: { operation: 'GetStatus', protocol: 'soap12' }, count: { exactly: 1 } });
    assert.equal(r.pass, false);
    assert.equal(
      lines(r.message),
      'expected exactly 1 request matching operation=GetStatus protocol=soap12, but none matched; the journal holds 2 other requests, the newest:\n' +
        `  #${b} httpget GetStatus batch ${id}: 200 Queued (T)\n` +
        `  #${a} soap11 FileBatch batch ${id}: 200 created (T)`,
    );
    await admin.clearRequests();
    assert.match((await admin.verify({ count: { exactly: 1 } })).message, /but none matched; the journal is empty$/);
  });

  it('filters by rule and since', async () => {
    await admin.freezeClock();
    await admin.addRule({ id: 'slow', match: { operation: 'GetStatus' }, times: 1, fault: { type: 'delay', ms: 1 } });
    const id = await submit(mock);
    await status(mock, id);
    await status(mock, id);
    assert.equal((await admin.verify({ match: { rule: 'slow' }, count: { exactly: 1 } })).pass, true);
    const later = (await admin.advanceClock(1000)).nowMs;
    await status(mock, id);
    const r = await admin.verify({ match: { since: later }, count: { exactly: 1 } });
    assert.equal(r.pass, true, r.message);
    assert.equal((await admin.verify({ match: { since: new Date(later).toISOString() }, count: { exactly: 1 } })).pass, true);
  });
});

describe('verify: never', () => {
  it('passes when nothing matched; fails listing what did', async () => {
    const id = await submit(mock);
    let r = await admin.verify({ match: { operation: 'GetStatus' }, never: true });
    assert.deepEqual([r.pass, r.message], [true, 'no request matching operation=GetStatus']);
    await status(mock, id);
    r = await admin.verify({ match: { operation: 'GetStatus' }, never: true });
    assert.equal(r.pass, false);
    const [, a] = await seqs();
    assert.equal(lines(r.message), `expected no request matching operation=GetStatus, but 1 was:\n  #${a} soap11 GetStatus batch ${id}: 200 Queued (T)`);
  });
});

describe('verify: sequences', () => {
  it('of statuses GetStatus answered, in order, repeats and other entries between allowed', async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    for (const ms of [0, 0, 2000, 3000, 5000]) {
      if (ms) await admin.advanceClock(ms);
      await status(mock, id);
    }
    const match = { batchId: id };
    let r = await admin.verify({ match, sequence: ['Queued', 'ProcessingInput', 'Completed'] });
    assert.equal(r.pass, true, r.message);
    assert.equal(
      r.message,
      `the statuses Queued, ProcessingInput, Completed occurred in this order among the GetStatus answers to the requests matching batchId=${id}; ` +
        'seen: Queued x2, ProcessingInput, WaitingForOutput, Completed',
    );
    const last = (await seqs()).at(-1);
    r = await admin.verify({ match, sequence: ['Queued', 'Completed', 'ProcessingInput'] });
    assert.equal(r.pass, false);
    assert.equal(
      r.message,
      `expected the statuses Queued, Completed, ProcessingInput in this order among the GetStatus answers to the requests matching batchId=${id}, ` +
        `but no ProcessingInput came after Completed (#${last}); seen: Queued x2, ProcessingInput, WaitingForOutput, Completed`,
    );
    r = await admin.verify({ match, sequence: ['Failed'] });
    assert.match(r.message, /but no Failed came at all; seen: Queued x2/);
    assert.deepEqual(r.seen.map((e) => e.summary), ['created', 'Queued', 'Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed']);
  });

  it('of operations', async () => {
    const id = await submit(mock);
    await status(mock, id);
    assert.equal((await admin.verify({ sequence: ['FileBatch', 'GetStatus'] })).pass, true);
    const r = await admin.verify({ sequence: ['GetStatus', 'FileBatch'] });
    assert.equal(r.pass, false);
    const [, a] = await seqs();
    assert.equal(r.message, `expected the operations GetStatus, FileBatch in this order among the requests in the journal, but no FileBatch came after GetStatus (#${a}); seen: FileBatch, GetStatus`);
  });

  it('refuses a mixed sequence, two checks at once, and bad fields', async () => {
    const problem = async (body: unknown, detail: RegExp) => {
      await assert.rejects(admin.verify(body as never), (e: unknown) => e instanceof AdminError && e.status === 400 && detail.test(e.problem?.detail ?? ''));
    };
    await problem({ sequence: ['FileBatch', 'Queued'] }, /operations .* or statuses .*, not both/);
    await problem({ never: true, count: { atLeast: 1 } }, /give one of count, never and sequence, not count and never/);
    await problem({ count: { exactly: 1, atLeast: 1 } }, /\/count: must NOT have more than 1 properties/);
    await problem({ count: {} }, /\/count: must NOT have fewer than 1 properties/);
    await problem({ never: false }, /\/never: must be equal to constant/);
    await problem({ sequence: [] }, /\/sequence: must NOT have fewer than 1 items/);
    await problem({ sequence: ['NotAnOperation'] }, /\/sequence\/0: must be one of FileBatch, GetStatus, Queued/);
    await problem({ match: { since: 'yesterday' } }, /\/match\/since: 'yesterday' is not an ISO time/);
    await problem({ match: { batch: '1' } }, /unknown field "batch"/);
  });

  it('works in the namespace the call names', async () => {
    const ns = admin.inNamespace('verify-ns');
    await ns.reset();
    await raw(`${mock.origin}/ns/verify-ns/SequenceServices/coraOcrIntegration_v1.0.0.asmx/GetStatus?MasterWorkflowInstanceId=1`);
    assert.equal((await ns.verify({ match: { protocol: 'httpget' }, count: { exactly: 1 } })).pass, true);
    assert.equal((await admin.verify({ match: { protocol: 'httpget' }, never: true })).pass, true);
  });
});
