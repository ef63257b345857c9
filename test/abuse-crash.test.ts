// Issue 6.4: crash safety. Eight clients keep submitting FileBatch to a spawned production server
// (each with four calls in flight, so that calls arriving together share a group commit, issue 17);
// it is killed with SIGKILL mid-load and restarted on the same DB file, several times. Every id any
// client got a 200 for must survive (GetStatus finds it, with the ExternalContext that client
// sent), no id may be handed out twice, ids keep increasing across restarts, and SQLite's
// integrity_check is ok on the file after the crashes and after the final stop.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { NoAnswer, pool, send } from './support/abuse';
import { API_NS, CONTENT_TYPE } from './support/constants';
import { envelope, fileBatchBody, metadataHeader } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { waitFor } from './support/wait';

const CYCLES = Number(process.env['CRASH_CYCLES'] ?? 4);
const CLIENTS = 8;
/** Calls each client keeps in flight (one keep-alive socket each): 32 at once, committed in groups. */
const STREAMS = 4;
/** The kill comes once this many FileBatch calls were acknowledged in the cycle: a different moment each cycle. */
const ACKS_BEFORE_KILL = (cycle: number) => 100 + 150 * cycle;
const STATUSES = ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed', 'Aborted', 'Failed'];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-crash-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const DB = path.join(tmp, 'crash.sqlite');

interface Ack {
  id: bigint;
  ctx: string;
  cycle: number;
}

function integrity(file: string): string {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const r = db.pragma('integrity_check', { simple: true });
    db.close();
    return String(r);
  } catch (err) {
    // A read-only connection cannot replay a crashed WAL; check a copy, as the next start would.
    const copy = path.join(tmp, `copy-${Date.now()}.sqlite`);
    fs.copyFileSync(file, copy);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    db = new Database(copy);
    const r = db.pragma('integrity_check', { simple: true });
    db.close();
    return `${String(r)} (read-only open failed: ${(err as Error).message}; checked a copy)`;
  }
}

async function getStatus(serviceUrl: string, id: bigint) {
  const a = await send(serviceUrl, {
    method: 'POST',
    headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}GetStatus"` },
    body: envelope('1.1', `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)),
    timeoutMs: 5000,
  });
  const text = a.body.toString();
  return { http: a.status, status: /<Status>(\w+)</.exec(text)?.[1], ctx: /<ExternalContext>([^<]*)</.exec(text)?.[1] };
}

describe('crash safety', () => {
  it(`SIGKILL under load from ${CLIENTS} clients x ${STREAMS} calls in flight, ${CYCLES} times: no acknowledged id lost, none reused, integrity ok`, async (t) => {
    const acks: Ack[] = [];
    const unexpected: string[] = [];
    let server: ServerProcess | null = null;
    const perCycle: string[] = [];
    let maxBefore = 0n;

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      server = await spawnServer({ DB_PATH: DB });
      const s = server;
      let killed = false;
      const cycleAcks: Ack[] = [];
      const failuresAfterKill = { n: 0 };
      const clients = Array.from({ length: CLIENTS }, async (_, c) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: STREAMS });
        let n = 0;
        const stream = async () => {
          while (!killed) {
            const ctx = `cycle${cycle}-client${c}-${n++}`;
            try {
              const a = await send(s.serviceUrl, {
                method: 'POST',
                headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` },
                body: envelope('1.1', fileBatchBody({ ExternalContext: ctx })),
                agent,
                timeoutMs: 5000,
              });
              const id = /<MasterWorkflowInstanceId>(\d+)</.exec(a.body.toString())?.[1];
              if (a.status === 200 && id) cycleAcks.push({ id: BigInt(id), ctx, cycle });
              else if (!killed) unexpected.push(`cycle ${cycle}: FileBatch answered ${a.status} ${a.body.toString().slice(0, 200)}`);
            } catch (err) {
              if (!(err instanceof NoAnswer)) throw err;
              if (killed) failuresAfterKill.n++;
              else unexpected.push(`cycle ${cycle}: ${err.message} while the server was up`);
            }
          }
        };
        try {
          await Promise.all(Array.from({ length: STREAMS }, stream));
        } finally {
          agent.destroy();
        }
      });
      // Let the load run, then kill mid-flight: once enough calls were acknowledged, with the
      // clients still sending (a different moment each cycle).
      const target = ACKS_BEFORE_KILL(cycle);
      const earlier = unexpected.length;
      try {
        await waitFor(
          () => {
            if (!s.alive()) throw new Error(`cycle ${cycle}: the server died before the kill:\n${s.output().slice(-2000)}`);
            if (unexpected.length > earlier) throw new Error(`the load failed before the kill: ${unexpected.slice(earlier, earlier + 3).join('; ')}`);
            return cycleAcks.length >= target;
          },
          { what: `${target} acknowledged FileBatch calls in cycle ${cycle}`, timeoutMs: 60_000 },
        );
      } finally {
        killed = true;
        s.child.kill('SIGKILL');
      }
      const exit = await s.exited;
      await Promise.all(clients);
      assert.equal(exit.signal, 'SIGKILL');

      const ids = cycleAcks.map((a) => a.id);
      const min = ids.reduce((m, x) => (x < m ? x : m), ids[0] ?? 0n);
      const max = ids.reduce((m, x) => (x > m ? x : m), 0n);
      if (ids.length && min <= maxBefore) unexpected.push(`cycle ${cycle}: id ${min} is not above the previous cycles' highest ${maxBefore}`);
      if (max > maxBefore) maxBefore = max;
      acks.push(...cycleAcks);
      const check = integrity(DB);
      perCycle.push(`cycle ${cycle}: ${cycleAcks.length} acknowledged (ids ${min}..${max}), ${failuresAfterKill.n} in flight at the kill, integrity_check ${check}`);
      if (!check.startsWith('ok')) unexpected.push(`cycle ${cycle}: integrity_check after SIGKILL: ${check}`);
    }

    // Restart once more and look for every acknowledged id.
    server = await spawnServer({ DB_PATH: DB });
    const final = server;
    const seen = new Map<string, Ack>();
    const duplicates: string[] = [];
    for (const a of acks) {
      const k = a.id.toString();
      if (seen.has(k)) duplicates.push(`${k} (${seen.get(k)!.ctx} and ${a.ctx})`);
      else seen.set(k, a);
    }
    const lost: string[] = [];
    const wrong: string[] = [];
    await pool(acks, 16, async (a) => {
      const r = await getStatus(final.serviceUrl, a.id);
      if (r.http !== 200 || r.status === 'NotFound' || r.status === undefined) lost.push(`${a.id} (${a.ctx}): ${r.http} ${r.status}`);
      else if (!STATUSES.includes(r.status)) wrong.push(`${a.id}: status ${r.status}`);
      else if (r.ctx !== a.ctx) wrong.push(`${a.id}: ExternalContext ${r.ctx}, sent ${a.ctx}`);
    });
    // A new id after all the crashes is above every id ever acknowledged.
    const next = await send(final.serviceUrl, {
      method: 'POST',
      headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` },
      body: envelope('1.1', fileBatchBody({ ExternalContext: 'after-crashes' })),
    });
    const nextId = BigInt(/<MasterWorkflowInstanceId>(\d+)</.exec(next.body.toString())![1]!);
    assert.equal(await final.stop('SIGTERM'), 0, 'clean stop');
    const finalCheck = integrity(DB);

    const summary = `crash: ${CYCLES} kill/restart cycles, ${acks.length} acknowledged ids, lost ${lost.length}, duplicated ${duplicates.length}, wrong ${wrong.length}; integrity ${finalCheck}`;
    console.log(summary);
    for (const l of perCycle) console.log(`  ${l}`);
    t.diagnostic(summary);
    assert.ok(acks.length > CYCLES * CLIENTS, `the load produced acknowledgements (${acks.length})`);
    assert.deepEqual(lost, [], 'acknowledged ids lost');
    assert.deepEqual(duplicates, [], 'ids handed out twice');
    assert.deepEqual(wrong, []);
    assert.ok(nextId > maxBefore, `id after restart ${nextId} > every acknowledged id ${maxBefore}`);
    assert.deepEqual(unexpected, []);
    assert.equal(finalCheck, 'ok');
  });
});
