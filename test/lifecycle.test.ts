// The batch lifecycle: the pure state machine, then the same walk over real HTTP with a frozen clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nextTransitionAt, statusAt, timeline } from '../server/batches/lifecycle';
import { Batch, TimingPlan } from '../server/batches/model';
import { RunningMock, startMock, status, submit } from './support/mock';

const plan = (p: Partial<TimingPlan> = {}): TimingPlan => ({
  queuedMs: 2000,
  processingInputMs: 3000,
  waitingForOutputMs: 5000,
  timeoutMs: 300_000,
  outcome: null,
  hold: null,
  ...p,
});
const batch = (p: Partial<TimingPlan> = {}, anchor: Batch['anchor'] = null): Batch => ({
  id: 1n,
  createdAt: 1_000_000,
  request: { TimeOut: 300, ExternalContext: null, InputFile: null, OCRProfile: 'p', OutputFile: null, PutModel: 'm' },
  metadata: null,
  plan: plan(p),
  anchor,
});

describe('pure lifecycle', () => {
  const cases: [string, Partial<TimingPlan>, Batch['anchor'], number, string, string][] = [
    ['Queued at creation', {}, null, 0, 'Queued', 'NoError'],
    ['Queued just before 2 s', {}, null, 1999, 'Queued', 'NoError'],
    ['ProcessingInput at 2 s', {}, null, 2000, 'ProcessingInput', 'NoError'],
    ['WaitingForOutput at 5 s', {}, null, 5000, 'WaitingForOutput', 'NoError'],
    ['Completed at 10 s', {}, null, 10_000, 'Completed', 'NoError'],
    ['Completed long after', {}, null, 10 ** 9, 'Completed', 'NoError'],
    ['TimeOut shorter than WaitingForOutput: waiting until TimeOut', { timeoutMs: 4000 }, null, 8999, 'WaitingForOutput', 'NoError'],
    ['TimeOut shorter than WaitingForOutput: Failed/TimedOut at TimeOut', { timeoutMs: 4000 }, null, 9000, 'Failed', 'TimedOut'],
    ['TimeOut equal to WaitingForOutput completes', { timeoutMs: 5000 }, null, 10_000, 'Completed', 'NoError'],
    ['TimeOut 0 fails on reaching WaitingForOutput', { timeoutMs: 0 }, null, 5000, 'Failed', 'TimedOut'],
    [
      'outcome at ProcessingInput',
      { outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } },
      null,
      2000,
      'Failed',
      'InputFileNotFound',
    ],
    [
      'outcome not reached yet',
      { outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } },
      null,
      1999,
      'Queued',
      'NoError',
    ],
    ['outcome at Queued strikes at once', { outcome: { status: 'Aborted', errorCode: 'InternalError', at: 'Queued' } }, null, 0, 'Aborted', 'InternalError'],
    [
      'outcome at Completed replaces completion',
      { outcome: { status: 'Failed', errorCode: 'FailedToPutOutputFile', at: 'Completed' } },
      null,
      10_000,
      'Failed',
      'FailedToPutOutputFile',
    ],
    ['hold keeps a stage forever', { hold: 'ProcessingInput' }, null, 10 ** 9, 'ProcessingInput', 'NoError'],
    ['a forced terminal status is final', {}, { status: 'Aborted', errorCode: 'NoError', at: 1_001_000 }, 10 ** 9, 'Aborted', 'NoError'],
    ['a forced stage restarts the timeline there', {}, { status: 'WaitingForOutput', errorCode: 'NoError', at: 1_001_000 }, 5999, 'WaitingForOutput', 'NoError'],
    ['...and continues with the plan', {}, { status: 'WaitingForOutput', errorCode: 'NoError', at: 1_001_000 }, 6000, 'Completed', 'NoError'],
    ['zero durations complete at once', { queuedMs: 0, processingInputMs: 0, waitingForOutputMs: 0 }, null, 0, 'Completed', 'NoError'],
  ];
  for (const [name, p, anchor, elapsed, st, code] of cases) {
    it(name, () => {
      const s = statusAt(batch(p, anchor), 1_000_000 + elapsed);
      assert.deepEqual([s.status, s.errorCode], [st, code]);
    });
  }

  it('nextTransitionAt names the moment the status next changes, or null when it never will (every case above, every 10 ms)', () => {
    const key = (b: Batch, t: number) => {
      const s = statusAt(b, t);
      return `${s.status}/${s.errorCode}`;
    };
    for (const [name, p, anchor] of cases) {
      const b = batch(p, anchor);
      for (let t = b.createdAt - 10; t <= b.createdAt + 12_000; t += 10) {
        const next = nextTransitionAt(b, t);
        if (next === null) {
          assert.equal(key(b, 10 ** 13), key(b, t), `${name} at +${t - b.createdAt}: null, yet the status changes later`);
          continue;
        }
        assert.ok(next > t, `${name}: ${next} is not after ${t}`);
        assert.equal(key(b, next - 1), key(b, t), `${name} at +${t - b.createdAt}: the status changes before ${next - b.createdAt}`);
        assert.notEqual(key(b, next), key(b, t), `${name} at +${t - b.createdAt}: nothing changes at ${next - b.createdAt}`);
      }
    }
    assert.equal(nextTransitionAt(batch(), 1_000_000), 1_002_000);
    assert.equal(nextTransitionAt(batch({ hold: 'ProcessingInput' }), 1_002_000), null);
    assert.equal(nextTransitionAt(batch({ timeoutMs: 1000 }), 1_005_000), 1_006_000, 'TimeOut strikes before completion');
  });

  it('the timeline lists every transition with the moment it happened', () => {
    assert.deepEqual(
      timeline(batch({ timeoutMs: 1000 }), 2_000_000).map((t) => [t.status, t.errorCode, t.since - 1_000_000]),
      [
        ['Queued', 'NoError', 0],
        ['ProcessingInput', 'NoError', 2000],
        ['WaitingForOutput', 'NoError', 5000],
        ['Failed', 'TimedOut', 6000],
      ],
    );
  });
});

describe('lifecycle over HTTP with a frozen clock', () => {
  let mock: RunningMock;
  before(async () => {
    mock = await startMock();
    mock.app.clock.freeze();
  });
  after(() => mock.close());

  it('walks Queued -> ProcessingInput -> WaitingForOutput -> Completed and records each transition', async () => {
    const id = await submit(mock, { ExternalContext: 'walk' });
    const seen: string[] = [];
    for (const step of [0, 2000, 3000, 5000]) {
      mock.app.clock.advance(step);
      const s = await status(mock, id);
      assert.equal(s.externalContext, 'walk');
      seen.push(`${s.status}/${s.errorCode}`);
    }
    assert.deepEqual(seen, ['Queued/NoError', 'ProcessingInput/NoError', 'WaitingForOutput/NoError', 'Completed/NoError']);
    const history = mock.app.batches.details(BigInt(id)).history.map((h) => h.status);
    assert.deepEqual(history, ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed']);
  });

  it('records transitions nobody polled, each at the time it happened', async () => {
    const id = await submit(mock);
    const created = mock.app.clock.now();
    mock.app.clock.advance(60_000);
    assert.equal((await status(mock, id)).status, 'Completed');
    const history = mock.app.batches.details(BigInt(id)).history;
    assert.deepEqual(
      history.map((h) => [h.status, h.at - created]),
      [
        ['Queued', 0],
        ['ProcessingInput', 2000],
        ['WaitingForOutput', 5000],
        ['Completed', 10_000],
      ],
    );
  });

  it('fails with TimedOut when WaitingForOutput outlasts the TimeOut', async () => {
    const id = await submit(mock, { TimeOut: '3' });
    mock.app.clock.advance(5000 + 2999);
    assert.equal((await status(mock, id)).status, 'WaitingForOutput');
    mock.app.clock.advance(1);
    assert.deepEqual(await status(mock, id), { status: 'Failed', errorCode: 'TimedOut', externalContext: undefined });
  });

  it('honours TIMEOUT_UNIT_MS and custom stage durations', async () => {
    const m = await startMock({ QUEUED_MS: '10', PROCESSING_INPUT_MS: '20', WAITING_FOR_OUTPUT_MS: '1000', TIMEOUT_UNIT_MS: '100' });
    try {
      m.app.clock.freeze();
      const id = await submit(m, { TimeOut: '5' });
      m.app.clock.advance(30 + 499);
      assert.equal((await status(m, id)).status, 'WaitingForOutput');
      m.app.clock.advance(1);
      assert.equal((await status(m, id)).errorCode, 'TimedOut');
    } finally {
      await m.close();
    }
  });
});
