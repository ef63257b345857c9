// Issue 15.1: a full disk. The database lives on a small tmpfs the test mounts (root only; in CI,
// where .ci/run runs as root, it must run), which is then filled up. FileBatch is refused with a
// SOAP fault (soap:Server, "the store is full"), the admin API with a 507 problem, and health says
// the store is degraded; GetStatus keeps answering for existing batches (even when recording
// their transitions cannot be written); nothing crashes. Once space is freed, writes succeed again
// without a restart, and the file passes integrity_check with every acknowledged id in it.
// Issue 17: FileBatch calls arriving together share one commit (group commit); when that commit
// fails on the full volume, every call of the group gets the fault and none is acknowledged.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { send } from './support/abuse';
import { API_NS, CONTENT_TYPE, SoapVersion, envelope, fileBatchBody, metadataHeader } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { waitFor } from './support/wait';

const isRoot = process.getuid?.() === 0;
const inCi = process.env['CI'] === 'true';
const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-disk-'));
let mounted = false;
let skip: string | false = false;
if (!isRoot && !inCi) skip = 'needs root to mount a small tmpfs (runs in CI, where .ci/run is root)';
else {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    if (inCi) throw new Error(`cannot mount a tmpfs for the disk-full test: ${(err as Error).message}`);
    skip = `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()})`;
  }
}
after(() => {
  if (mounted) execFileSync('umount', ['-l', mnt]);
  fs.rmSync(mnt, { recursive: true, force: true });
});

const DB = path.join(mnt, 'db.sqlite');
const FILLER = path.join(mnt, 'filler');

/** Writes FILLER until the volume refuses another byte (ENOSPC); returns its size. */
function fillVolume(): number {
  const fd = fs.openSync(FILLER, 'a');
  let size = 0;
  try {
    for (const chunk of [1 << 16, 4096, 512, 1]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          size += fs.writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return size;
}

async function soap(server: ServerProcess, version: SoapVersion, op: 'FileBatch' | 'GetStatus', body: string, header?: string) {
  const headers: Record<string, string> =
    version === '1.1'
      ? { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}${op}"` }
      : { 'Content-Type': `${CONTENT_TYPE['1.2']}; action="${API_NS}${op}"` };
  const a = await send(server.serviceUrl, { method: 'POST', headers, body: envelope(version, body, header), timeoutMs: 10_000 });
  return { status: a.status, text: a.body.toString('utf8') };
}

const fileBatch = (server: ServerProcess, ctx: string, version: SoapVersion = '1.1') =>
  soap(server, version, 'FileBatch', fileBatchBody({ ExternalContext: ctx }));
const idOf = (text: string) => /<MasterWorkflowInstanceId>(\d+)</.exec(text)?.[1];

async function admin(server: ServerProcess, p: string, method = 'GET', body?: unknown) {
  const a = await send(server.origin + p, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: a.status, type: String(a.headers['content-type']), json: JSON.parse(a.body.toString('utf8') || 'null') };
}

describe('a full disk', { skip }, () => {
  it('refuses writes clearly, keeps serving reads, recovers without a restart, and loses nothing acknowledged', async (t) => {
    const server = await spawnServer({ DB_PATH: DB });
    const acked = new Map<string, string>(); // id -> ExternalContext
    let refused = 0;
    let reads = 0;
    try {
      for (let i = 0; i < 50; i++) {
        const r = await fileBatch(server, `before-${i}`);
        assert.equal(r.status, 200, r.text);
        acked.set(idOf(r.text)!, `before-${i}`);
      }
      const filler = fillVolume();

      // Writes until the store refuses one (the WAL may still have room for a few frames).
      let fault: { status: number; text: string } | null = null;
      for (let i = 0; i < 5000 && !fault; i++) {
        const r = await fileBatch(server, `during-${i}`);
        if (r.status === 200) acked.set(idOf(r.text)!, `during-${i}`);
        else fault = r;
      }
      assert.ok(fault, 'FileBatch was never refused on a full volume');
      refused++;
      assert.equal(fault.status, 500, fault.text);
      assert.match(fault.text, /<faultcode>soap:Server<\/faultcode>/);
      assert.match(fault.text, /the store is full/);
      // Every further write is refused the same way, in SOAP 1.2 too.
      const f12 = await fileBatch(server, 'during-12', '1.2');
      refused++;
      assert.equal(f12.status, 500, f12.text);
      assert.match(f12.text, /<soap:Value>soap:Receiver<\/soap:Value>/);
      assert.match(f12.text, /the store is full/);

      // The admin API: 507 problems for writes, and health says degraded (and is still ready).
      const seed = await admin(server, '/__admin/batches', 'POST', { externalContext: 'admin-full' });
      refused++;
      assert.equal(seed.status, 507, JSON.stringify(seed.json));
      assert.match(seed.type, /^application\/problem\+json/);
      assert.match(seed.json.detail, /the store is full/);
      const health = await admin(server, '/__admin/health');
      assert.equal(health.status, 200, JSON.stringify(health.json));
      assert.equal(health.json.store, 'degraded');

      // Reads go on: every acknowledged batch, after the clock moved so that each one's
      // transitions would be recorded (they cannot be: the read must answer all the same).
      assert.equal((await admin(server, '/__admin/clock', 'POST', { advanceMs: 60_000 })).status, 200);
      for (const [id, ctx] of acked) {
        const r = await soap(server, '1.1', 'GetStatus', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(BigInt(id)));
        reads++;
        assert.equal(r.status, 200, `GetStatus ${id} while full: ${r.text}`);
        assert.match(r.text, /<Status>Completed<\/Status>/, `GetStatus ${id}`);
        assert.ok(r.text.includes(`<ExternalContext>${ctx}</ExternalContext>`), `GetStatus ${id}: ${r.text}`);
      }
      const listed = await admin(server, '/__admin/batches?limit=1000');
      assert.equal(listed.status, 200, JSON.stringify(listed.json));
      assert.equal(server.alive(), true);

      // Space again: writes succeed without a restart, and health is back to open.
      fs.rmSync(FILLER);
      const again = await waitFor(
        async () => {
          const r = await fileBatch(server, 'after');
          return r.status === 200 ? r : null;
        },
        { what: 'FileBatch to succeed once space was freed' },
      );
      acked.set(idOf(again.text)!, 'after');
      assert.equal((await admin(server, '/__admin/health')).json.store, 'open');
      assert.deepEqual(server.errorLines(), [], 'nothing logged as an unexpected error');
      t.diagnostic(
        `disk full: filler ${filler} bytes; ${acked.size} writes acknowledged, ${refused} refused (SOAP 1.1, 1.2, admin), ${reads} reads served while full; recovered without a restart`,
      );
    } finally {
      assert.equal(await server.stop(), 0, server.output().slice(-2000));
    }

    const db = new Database(DB, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const stored = new Map((db.prepare('SELECT id, external_context FROM batches').raw().all() as [number | bigint, string][]).map(([id, c]) => [String(id), c]));
      const lost = [...acked].filter(([id, ctx]) => stored.get(id) !== ctx);
      assert.deepEqual(lost, [], 'acknowledged ids lost');
      t.diagnostic(`disk full: integrity_check ok; ${acked.size} acknowledged ids, 0 lost`);
    } finally {
      db.close();
    }
  });

  it('fails a whole group commit together: every FileBatch of the group gets the fault, none is acknowledged', async (t) => {
    const db = path.join(mnt, 'group.sqlite');
    const server = await spawnServer({ DB_PATH: db });
    const CONCURRENT = 16;
    // One keep-alive socket per call: the calls of a burst reach the server in the same turn.
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
    const acked = new Map<string, string>(); // id -> ExternalContext
    const refusedCtx: string[] = [];
    const bursts: string[] = [];
    let largestRefusedBurst = 0;
    const burst = async (tag: string) => {
      const answers = await Promise.all(
        Array.from({ length: CONCURRENT }, async (_, i) => {
          const ctx = `${tag}-${i}`;
          const a = await send(server.serviceUrl, {
            method: 'POST',
            headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` },
            body: envelope('1.1', fileBatchBody({ ExternalContext: ctx })),
            agent,
            timeoutMs: 10_000,
          });
          return { ctx, status: a.status, text: a.body.toString('utf8') };
        }),
      );
      let refused = 0;
      for (const a of answers) {
        if (a.status === 200) acked.set(idOf(a.text)!, a.ctx);
        else {
          assert.equal(a.status, 500, a.text);
          assert.match(a.text, /<faultcode>soap:Server<\/faultcode>/);
          assert.match(a.text, /the store is full/);
          refusedCtx.push(a.ctx);
          refused++;
        }
      }
      largestRefusedBurst = Math.max(largestRefusedBurst, refused);
      bursts.push(`${CONCURRENT - refused}/${refused}`);
      return refused;
    };
    try {
      for (let b = 0; b < 3; b++) assert.equal(await burst(`before${b}`), 0);
      fillVolume();
      // Bursts until one is refused as a whole (the WAL may still have room for a few groups).
      let b = 0;
      while (largestRefusedBurst < CONCURRENT && b < 400) await burst(`full${b++}`);
      assert.equal(largestRefusedBurst, CONCURRENT, `no burst was refused as a whole (acknowledged/refused per burst: ${bursts.join(' ')})`);
      assert.equal(server.alive(), true);
      fs.rmSync(FILLER);
      await waitFor(async () => (await burst('after')) === 0, { what: 'a burst to succeed once space was freed' });
      assert.deepEqual(server.errorLines(), [], 'nothing logged as an unexpected error');
    } finally {
      agent.destroy();
      assert.equal(await server.stop(), 0, server.output().slice(-2000));
    }
    const file = new Database(db, { readonly: true });
    try {
      assert.equal(file.pragma('integrity_check', { simple: true }), 'ok');
      const stored = new Map((file.prepare('SELECT id, external_context FROM batches').raw().all() as [number | bigint, string][]).map(([id, c]) => [String(id), c]));
      const storedCtx = new Set(stored.values());
      const lost = [...acked].filter(([id, ctx]) => stored.get(id) !== ctx);
      assert.deepEqual(lost, [], 'acknowledged ids lost');
      const kept = refusedCtx.filter((ctx) => storedCtx.has(ctx));
      assert.deepEqual(kept, [], 'refused calls whose batch was stored all the same');
      t.diagnostic(`group commit on a full disk: bursts of ${CONCURRENT} (acknowledged/refused): ${bursts.join(' ')}; ${acked.size} acknowledged, all stored; ${refusedCtx.length} refused, none stored`);
    } finally {
      file.close();
    }
  });
});
