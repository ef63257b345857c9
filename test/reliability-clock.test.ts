// Issue 15.6: clock and time edges. Setting or advancing the virtual clock outside what a .NET
// DateTime holds (years 0001 to 9999; JavaScript's own Date range ends at +275760) is refused with
// a 400 problem pointing at the field, and nothing of the command applies; inside it, times are
// handled exactly (before 1970 too). However the clock moves, no status derivation throws, and a
// batch never goes back in its lifecycle: a status a reader saw stays seen.
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_NS, RunningMock, envelope, metadataHeader, raw, soapAction, startMock } from './support/mock';

let mock: RunningMock;
before(async () => {
  mock = await startMock();
});
after(() => mock?.close());

async function admin(p: string, method = 'GET', body?: unknown) {
  const r = await raw(mock.origin + '/__admin' + p, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, type: String(r.headers['content-type']), json: r.body ? JSON.parse(r.body) : null };
}

async function getStatus(id: string): Promise<string> {
  const r = await raw(mock.serviceUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: soapAction('GetStatus') },
    body: envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)),
  });
  assert.equal(r.status, 200, r.body);
  return /<Status>(\w+)</.exec(r.body)![1]!;
}

const RANK: Record<string, number> = { Queued: 0, ProcessingInput: 1, WaitingForOutput: 2, Completed: 3, Failed: 3, Aborted: 3 };

describe('clock edges', () => {
  it('times outside years 0001-9999 are refused with a problem at the field, and nothing of the command applies', async () => {
    assert.equal((await admin('/reset', 'POST', {})).status, 200);
    const start = (await admin('/clock', 'POST', { freeze: true, set: '2030-01-01T00:00:00Z' })).json;
    const refused: [unknown, string][] = [
      [{ set: '0000-12-31T23:59:59.999Z' }, '/set'],
      [{ set: '+010000-01-01T00:00:00.000Z' }, '/set'],
      [{ set: '+275760-09-13T00:00:00.000Z' }, '/set'], // the last moment a JavaScript Date holds
      [{ set: '+275760-09-13T00:00:00.001Z' }, '/set'], // past it: not a time at all
      [{ set: '-271821-04-20T00:00:00.000Z' }, '/set'],
      [{ set: '9999-12-31T23:59:59.999Z', advanceMs: 1 }, '/advanceMs'],
      [{ resume: true, set: '-000001-01-01T00:00:00Z' }, '/set'],
    ];
    for (const [body, pointer] of refused) {
      const r = await admin('/clock', 'POST', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assert.match(r.type, /^application\/problem\+json/);
      assert.equal(r.json.pointer, pointer, JSON.stringify(r.json));
      const { now, nowMs, frozen } = (await admin('/clock')).json; // offsetMs of a frozen clock follows real time
      assert.deepEqual({ now, nowMs, frozen }, { now: start.now, nowMs: start.nowMs, frozen: start.frozen }, `${JSON.stringify(body)} changed the clock`);
    }
    // At the very end of the range: set works, and one more millisecond does not.
    assert.equal((await admin('/clock', 'POST', { set: '9999-12-31T23:59:59.999Z' })).json.now, '9999-12-31T23:59:59.999Z');
    const past = await admin('/clock', 'POST', { advanceMs: 1 });
    assert.equal(past.status, 400);
    assert.equal(past.json.pointer, '/advanceMs');
    assert.equal((await admin('/clock', 'POST', { set: '0001-01-01T00:00:00.000Z' })).json.nowMs, Date.parse('0001-01-01T00:00:00.000Z'));
    assert.equal((await admin('/clock', 'POST', { advanceMs: 315_360_000_000 })).status, 200, 'ten years forward from year 1');
    // Before 1970 (negative epoch milliseconds) is handled exactly, batches included.
    const r = await admin('/clock', 'POST', { set: '1960-02-29T12:00:00.000Z' });
    assert.deepEqual([r.json.now, r.json.nowMs], ['1960-02-29T12:00:00.000Z', Date.parse('1960-02-29T12:00:00.000Z')]);
    const b = (await admin('/batches', 'POST', { externalContext: 'old' })).json;
    assert.equal(b.createdAt, '1960-02-29T12:00:00.000Z');
    assert.equal(await getStatus(b.id), 'Queued');
    await admin('/clock', 'POST', { advanceMs: 60_000 });
    assert.equal(await getStatus(b.id), 'Completed');
    await admin('/clock', 'POST', { resume: true });
  });

  it('a clock set back does not take a batch back; its history only grows forward', async () => {
    await admin('/reset', 'POST', {});
    await admin('/clock', 'POST', { freeze: true, set: '2031-05-01T00:00:00Z' });
    const b = (await admin('/batches', 'POST', { externalContext: 'forward' })).json;
    await admin('/clock', 'POST', { advanceMs: 4000 });
    assert.equal(await getStatus(b.id), 'ProcessingInput');
    await admin('/clock', 'POST', { advanceMs: 60_000 });
    assert.equal(await getStatus(b.id), 'Completed');
    const history = (await admin(`/batches/${b.id}`)).json.history;
    for (const when of ['2031-05-01T00:00:03Z', '2031-04-30T00:00:00Z', '1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z']) {
      await admin('/clock', 'POST', { set: when });
      assert.equal(await getStatus(b.id), 'Completed', `after setting the clock to ${when}`);
      const details = (await admin(`/batches/${b.id}`)).json;
      assert.equal(details.status, 'Completed');
      assert.deepEqual(details.history, history, 'history unchanged');
    }
  });

  it('random clock moves (fast-check): no error, and no batch ever goes back', async (t) => {
    await admin('/reset', 'POST', {});
    await admin('/clock', 'POST', { freeze: true, set: '2032-01-01T00:00:00Z' });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await admin('/batches', 'POST', { externalContext: `r${i}` })).json.id as string);
    const best = new Map<string, number>();
    const command = fc.oneof(
      fc.record({ advanceMs: fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(315_360_000_000)) }),
      fc.record({ set: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()) }),
      fc.record({ set: fc.constantFrom('0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z') }),
    );
    let refusedCount = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), async (cmds) => {
        for (const cmd of cmds) {
          const r = await admin('/clock', 'POST', cmd);
          assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(cmd)}: ${r.status} ${JSON.stringify(r.json)}`);
          if (r.status === 400) refusedCount++;
          for (const id of ids) {
            const rank = RANK[await getStatus(id)]!;
            assert.ok(rank >= (best.get(id) ?? 0), `batch ${id} went back after ${JSON.stringify(cmd)}`);
            best.set(id, rank);
          }
        }
      }),
      { numRuns: 150, seed: 15 },
    );
    t.diagnostic(`clock fuzz: 150 sequences, ${refusedCount} commands refused (out of range), no status went back`);
  });
});
