// What the dashboard stands on, without a browser: the change notes (control/live.ts) and their
// Server-Sent Events stream at /__admin/events, a batch's nextChangeAt, newest-first listing.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient } from '../server/client';
import { ChangeNote, foldNotes } from '../server/control/live';
import { RunningMock, raw, startMock, status, submit } from './support/mock';
import { waitFor } from './support/wait';

let mock: RunningMock;
let admin: AdminClient;
before(async () => {
  mock = await startMock({ LOG_LEVEL: 'silent' });
  admin = new AdminClient({ url: mock.origin });
});
after(() => mock.close());
beforeEach(() => admin.reset({ allNamespaces: true }));

interface Frame {
  event: string;
  data: unknown;
}

/** Reads an SSE response frame by frame. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const lines = buf.slice(0, end).split('\n');
      buf = buf.slice(end + 2);
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
      if (event && data) yield { event, data: JSON.parse(data) };
    }
  }
}

describe('change notes for watchers', () => {
  it('the stream says hello, then what changed where, as notes', async () => {
    const abort = new AbortController();
    const r = await fetch(`${mock.origin}/__admin/events`, { signal: abort.signal });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const it = frames(r.body!);
    assert.deepEqual((await it.next()).value, { event: 'hello', data: { intervalMs: 100 } });
    const id = await submit(mock);
    // One FileBatch: the batch, its journal entry (and the rules' counters, which requests move).
    // A note names kinds of state only, never what a request carried.
    const kinds = new Set<string>();
    while (!(kinds.has('batches') && kinds.has('requests'))) {
      const f = (await it.next()).value as Frame;
      assert.equal(f.event, 'changes');
      const note = f.data as ChangeNote;
      assert.deepEqual(note.namespaces, ['default']);
      for (const k of note.kinds) kinds.add(k);
    }
    await admin.inNamespace('live-ns').freezeClock();
    for (;;) {
      const note = ((await it.next()).value as Frame).data as ChangeNote;
      if (!note.namespaces.includes('live-ns')) continue;
      assert.ok(note.kinds.includes('clock') && note.kinds.includes('namespaces'), JSON.stringify(note));
      break;
    }
    assert.equal(mock.app.control.watchCount, 1);
    abort.abort();
    await assert.rejects(it.next());
    assert.ok(id);
    // The page went away: its watch ends, and with it every listener on the hot path.
    await waitFor(() => mock.app.control.watchCount === 0, { what: 'the watch to end' });
    assert.equal(mock.app.control.defaultWorld.events.has('requestJournaled'), false);
  });

  it('a burst becomes one note, and notes to a watcher are at least 100 ms apart however busy the mock is', async () => {
    const notes: { at: number; note: ChangeNote }[] = [];
    const stop = mock.app.control.watch({ minIntervalMs: 100, onNote: (note) => notes.push({ at: performance.now(), note }), onEnd: () => {} });
    try {
      const ids = await Promise.all(Array.from({ length: 20 }, () => submit(mock)));
      let requests = 20;
      // Keep the mock busy for a while: 30 rounds of 20 GetStatus.
      for (let round = 0; round < 30; round++) {
        await Promise.all(ids.map((id) => status(mock, id)));
        requests += ids.length;
      }
      // The last note may still be pending: wait for it (a note comes within the interval).
      const expected = requests + 20; // every request journaled, every batch created
      for (;;) {
        const events = notes.reduce((n, x) => n + x.note.events, 0);
        if (events >= expected) break;
        await new Promise<void>((resolve) => {
          const t = setInterval(() => {
            if (notes.reduce((n, x) => n + x.note.events, 0) > events) {
              clearInterval(t);
              resolve();
            }
          }, 10);
        });
      }
      assert.equal(notes.reduce((n, x) => n + x.note.events, 0), expected);
      assert.ok(notes.length < expected / 5, `${notes.length} notes for ${expected} events`);
      for (let i = 1; i < notes.length; i++) {
        // A timer may fire up to a millisecond early (the event loop reads time in whole ms).
        assert.ok(notes[i]!.at - notes[i - 1]!.at >= 98, `notes ${i - 1} and ${i} ${notes[i]!.at - notes[i - 1]!.at} ms apart`);
        assert.equal(notes[i]!.note.seq, i + 1);
      }
    } finally {
      stop();
    }
    assert.equal(mock.app.control.watchCount, 0);
    assert.equal(mock.app.control.defaultWorld.events.has('requestJournaled'), false, 'nobody listens once the watch stopped');
  });

  it('notes held for a page that stopped reading fold into one', () => {
    const a: ChangeNote = { seq: 1, kinds: ['requests', 'counters'], namespaces: ['default'], events: 3, reset: false };
    const b: ChangeNote = { seq: 2, kinds: ['batches'], namespaces: ['w1', 'default'], events: 1, reset: true };
    assert.deepEqual(foldNotes(a, b), { seq: 2, kinds: ['batches', 'requests', 'counters'], namespaces: ['default', 'w1'], events: 4, reset: true });
  });

  it('a reset note says so and names every kind', async () => {
    const notes: ChangeNote[] = [];
    const stop = mock.app.control.watch({ minIntervalMs: 100, onNote: (n) => notes.push(n), onEnd: () => {} });
    try {
      await admin.reset();
      while (notes.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(notes[0]!.reset, true);
      assert.deepEqual(notes[0]!.kinds, ['batches', 'requests', 'counters', 'rules', 'clock', 'namespaces']);
    } finally {
      stop();
    }
  });

  it('the stream needs the token like every admin route; the page and its files do not', async () => {
    const guarded = await startMock({ LOG_LEVEL: 'silent', ADMIN_TOKEN: 's3cret' });
    try {
      const refused = await raw(`${guarded.origin}/__admin/events`);
      assert.equal(refused.status, 401);
      assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal((await raw(`${guarded.origin}/__admin/events?access_token=s3cret`)).status, 401);
      assert.equal((await raw(`${guarded.origin}/__admin/ui`)).status, 200);
      assert.equal((await raw(`${guarded.origin}/__admin/ui/app.js`)).status, 200);
      const abort = new AbortController();
      const ok = await fetch(`${guarded.origin}/__admin/events`, { headers: { Authorization: 'Bearer s3cret' }, signal: abort.signal });
      assert.equal(ok.status, 200);
      abort.abort();
    } finally {
      await guarded.close();
    }
  });

  it('refuses what the dashboard routes do not take, in problem+json', async () => {
    const post = await raw(`${mock.origin}/__admin/events`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET');
    assert.equal((await raw(`${mock.origin}/__admin/ui?x=1`)).status, 400);
    assert.equal((await raw(`${mock.origin}/__admin/ui/`)).status, 301);
    const missing = await raw(`${mock.origin}/__admin/ui/../routes.js`);
    assert.notEqual(missing.status, 200);
    assert.equal((await raw(`${mock.origin}/__admin/ui/vendor/nothing.js`)).status, 404);
  });

  it('closing the mock ends open streams (shutdown does not wait for a page)', async () => {
    const m = await startMock({ LOG_LEVEL: 'silent' });
    const r = await fetch(`${m.origin}/__admin/events`);
    const it = frames(r.body!);
    assert.equal(((await it.next()).value as Frame).event, 'hello');
    const closed = m.close();
    assert.equal((await it.next()).done, true);
    await closed;
    assert.equal(m.app.control.watchCount, 0);
  });
});

describe('what a watcher reads', () => {
  it("a batch's nextChangeAt is when its status next changes with time alone, null when never", async () => {
    await admin.freezeClock();
    const id = await submit(mock);
    const b = await admin.getBatch(id);
    assert.equal(b.status, 'Queued');
    assert.equal(Date.parse(b.nextChangeAt!), Date.parse(b.since) + 2000);
    await admin.advanceClock(2000);
    const p = await admin.getBatch(id);
    assert.equal(p.status, 'ProcessingInput');
    assert.equal(Date.parse(p.nextChangeAt!), Date.parse(p.since) + 3000);
    await admin.advanceClock(8000);
    assert.equal((await admin.getBatch(id)).nextChangeAt, null);
    const held = await admin.createBatch({ hold: 'Queued' });
    assert.equal(held.nextChangeAt, null);
  });

  it('GET /batches?order=desc lists the newest first, and pages on down', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(mock));
    const first = JSON.parse((await raw(`${mock.origin}/__admin/batches?order=desc&limit=3`)).body) as { items: { id: string }[]; next: string };
    assert.deepEqual(first.items.map((b) => b.id), ids.slice(2).reverse());
    const rest = JSON.parse((await raw(`${mock.origin}/__admin/batches?order=desc&limit=3&after=${first.next}`)).body) as { items: { id: string }[]; next: null };
    assert.deepEqual(rest.items.map((b) => b.id), ids.slice(0, 2).reverse());
    assert.equal(rest.next, null);
    const bad = await raw(`${mock.origin}/__admin/batches?order=newest`);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /order/);
  });

  it("GET /requests?limit=N is the journal's newest N, oldest first", async () => {
    const id = await submit(mock);
    for (let i = 0; i < 4; i++) await status(mock, id);
    const all = await admin.requests({});
    const last = await admin.requests({ limit: 2 });
    assert.deepEqual(last.items.map((e) => e.seq), all.items.slice(-2).map((e) => e.seq));
    const fb = await admin.requests({ operation: 'FileBatch', limit: 3 });
    assert.deepEqual(fb.items.map((e) => e.seq), [all.items[0]!.seq]);
  });
});
