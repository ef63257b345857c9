// The control core's event stream (issue 13): what waiters listen to, and what a dashboard will.
// Driven over real HTTP; the listener sits in-process on the running mock's MockControl.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient } from '../server/client';
import type { MockEvent } from '../server/control/events';
import { RunningMock, startMock, status, submit } from './support/mock';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock({ LOG_LEVEL: 'silent' });
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset({ allNamespaces: true }));

/** What happened, in order, as `type namespace detail`. */
function record() {
  const seen: string[] = [];
  const stop = mock.app.control.events.onAny((e: MockEvent) => {
    const detail =
      'batchId' in e ? e.batchId : 'seq' in e ? 'seq' : 'ruleIds' in e ? e.ruleIds.join(',') : 'clock' in e ? (e.clock.frozen ? 'frozen' : 'running') : '';
    seen.push(`${e.type} ${e.namespace}${detail ? ` ${detail}` : ''}`.trim());
  });
  return { seen, stop };
}

describe('the event stream', () => {
  it('tells every namespace\'s changes, in order, each with its namespace', async () => {
    const { seen, stop } = record();
    try {
      await admin.freezeClock();
      const id = await submit(mock);
      await status(mock, id);
      await admin.addRule({ id: 'r', match: { operation: 'GetStatus' }, fault: { type: 'delay', ms: 0 } });
      await status(mock, id);
      await admin.setBatchStatus(id, 'Completed');
      await admin.deleteBatch(id);
      await admin.clearRequests();
      const ns = admin.inNamespace('events-ns');
      const other = await ns.createBatch({});
      await admin.dropNamespace('events-ns');
      assert.deepEqual(seen, [
        'clockMoved default frozen',
        `batchCreated default ${id}`,
        'requestJournaled default seq',
        'requestJournaled default seq',
        'rulesChanged default',
        'ruleFired default r',
        'requestJournaled default seq',
        `batchForced default ${id}`,
        `batchDeleted default ${id}`,
        'journalCleared default',
        'namespaceCreated events-ns',
        `batchCreated events-ns ${other.id}`,
        'namespaceDropped events-ns',
      ]);
    } finally {
      stop();
    }
  });

  it('a reset says so, after what it did', async () => {
    await admin.createBatch({});
    const { seen, stop } = record();
    try {
      await admin.reset();
      assert.deepEqual(seen, ['journalCleared default', 'clockMoved default running', 'batchesCleared default', 'reset default']);
    } finally {
      stop();
    }
  });

  it('a listener that throws breaks neither the request nor the other listeners', async () => {
    const events = mock.app.control.events;
    const stopBad = events.on('requestJournaled', () => {
      throw new Error('a broken dashboard');
    });
    const { seen, stop } = record();
    try {
      const id = await submit(mock);
      assert.equal((await status(mock, id)).status, 'Queued');
      assert.deepEqual(seen.filter((s) => s.startsWith('requestJournaled')).length, 2);
    } finally {
      stopBad();
      stop();
    }
  });

  it('stops when told: nothing listens, nothing is built', async () => {
    const { seen, stop } = record();
    stop();
    await submit(mock);
    assert.deepEqual(seen, []);
    for (const type of ['requestJournaled', 'batchCreated', 'clockMoved'] as const) assert.equal(mock.app.control.defaultWorld.events.has(type), false, type);
  });
});
