// Issue 6.5: concurrency. Thousands of concurrent FileBatch calls (a bounded number in flight) get
// unique ids; GetStatus readers racing admin PATCHes on the same batch never see a status the
// batch was not forced to or did not pass through (its admin history is the witness).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { pool, send } from './support/abuse';
import { API_NS, CONTENT_TYPE } from './support/constants';
import { envelope, fileBatchBody, metadataHeader } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';

const TOTAL = Number(process.env['CONCURRENCY_TOTAL'] ?? 3000);
const IN_FLIGHT = 200;

let server: ServerProcess;
before(async () => {
  // Short stages so statuses also move by themselves while PATCHes race them.
  server = await spawnServer({ DB_PATH: ':memory:', QUEUED_MS: '40', PROCESSING_INPUT_MS: '40', WAITING_FOR_OUTPUT_MS: '40', JOURNAL_LIMIT: '100' });
});
after(() => server?.stop('SIGKILL'));


describe('concurrency', () => {
  it(`${TOTAL} concurrent FileBatch calls (${IN_FLIGHT} in flight, SOAP 1.1 and 1.2) get unique ids`, async (t) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const started = Date.now();
    const results = await pool(
      Array.from({ length: TOTAL }, (_, i) => i),
      IN_FLIGHT,
      async (i) => {
        const v = i % 2 === 0 ? '1.1' : '1.2';
        const a = await send(server.serviceUrl, {
          method: 'POST',
          headers:
            v === '1.1'
              ? { 'Content-Type': CONTENT_TYPE[v], SOAPAction: `"${API_NS}FileBatch"` }
              : { 'Content-Type': `${CONTENT_TYPE[v]}; action="${API_NS}FileBatch"` },
          body: envelope(v, fileBatchBody({ ExternalContext: `c-${i}` })),
          agent,
          timeoutMs: 30_000,
        });
        return { i, status: a.status, id: /<MasterWorkflowInstanceId>(\d+)</.exec(a.body.toString())?.[1] };
      },
    );
    agent.destroy();
    const failed = results.filter((r) => r.status !== 200 || !r.id);
    const ids = results.map((r) => r.id!).filter(Boolean);
    const unique = new Set(ids);
    const duplicates = ids.length - unique.size;
    // Each id is the batch of the call that received it.
    const mismatched: string[] = [];
    await pool(results.filter((r) => r.id).slice(0, 300), 50, async (r) => {
      const b = JSON.parse((await send(`${server.origin}/__admin/batches/${r.id}`)).body.toString());
      if (b.externalContext !== `c-${r.i}`) mismatched.push(`${r.id}: ${b.externalContext} != c-${r.i}`);
    });
    const health = JSON.parse((await send(`${server.origin}/__admin/health`)).body.toString());
    const summary = `concurrency: ${TOTAL} FileBatch calls, ${IN_FLIGHT} in flight, ${((Date.now() - started) / 1000).toFixed(1)} s, failed ${failed.length}, duplicate ids ${duplicates}, stored ${health.batches}`;
    console.log(summary);
    t.diagnostic(summary);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} calls failed`);
    assert.equal(duplicates, 0, 'duplicate ids');
    assert.equal(unique.size, TOTAL);
    assert.equal(health.batches, TOTAL, 'one stored batch per call');
    assert.deepEqual(mismatched, []);
  });

  it('GetStatus racing admin PATCHes never reports a status the batch never had', async (t) => {
    const BATCHES = 3;
    const PATCHES = 150;
    const READERS = 4;
    const FORCE: { status: string; errorCode?: string }[] = [
      { status: 'Queued' },
      { status: 'ProcessingInput' },
      { status: 'WaitingForOutput' },
      { status: 'Completed' },
      { status: 'Aborted' },
      { status: 'Failed', errorCode: 'TimedOut' },
      { status: 'Failed', errorCode: 'OutputFileExists' },
      { status: 'Aborted', errorCode: 'InternalError' },
    ];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const problems: string[] = [];
    let observations = 0;
    let patchesDone = 0;

    await Promise.all(
      Array.from({ length: BATCHES }, async (_, b) => {
        const created = await send(server.serviceUrl, {
          method: 'POST',
          headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` },
          body: envelope('1.1', fileBatchBody({ ExternalContext: `race-${b}` })),
          agent,
        });
        const id = /<MasterWorkflowInstanceId>(\d+)</.exec(created.body.toString())![1]!;
        const seen: string[] = [];
        let done = false;
        const patcher = (async () => {
          for (let i = 0; i < PATCHES; i++) {
            const f = FORCE[(i * 7 + b) % FORCE.length]!;
            const r = await send(`${server.origin}/__admin/batches/${id}`, {
              method: 'PATCH',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify(f),
              agent,
            });
            if (r.status !== 200) problems.push(`PATCH ${JSON.stringify(f)}: ${r.status} ${r.body.toString().slice(0, 200)}`);
            patchesDone++;
          }
          done = true;
        })();
        const readers = Array.from({ length: READERS }, async (_, k) => {
          while (!done) {
            let st: string | undefined;
            let ec: string | undefined;
            if (k === 3) {
              const r = await send(`${server.serviceUrl}/GetStatus?MasterWorkflowInstanceId=${id}`, { agent });
              st = /<Status>(\w+)</.exec(r.body.toString())?.[1];
              ec = /<ErrorCode>(\w+)</.exec(r.body.toString())?.[1];
            } else {
              const v = k === 1 ? '1.2' : '1.1';
              const r = await send(server.serviceUrl, {
                method: 'POST',
                headers: v === '1.1' ? { 'Content-Type': CONTENT_TYPE[v], SOAPAction: `"${API_NS}GetStatus"` } : { 'Content-Type': CONTENT_TYPE[v] },
                body: envelope(v, `<GetStatus xmlns="${API_NS}" />`, metadataHeader(id)),
                agent,
              });
              st = /<Status>(\w+)</.exec(r.body.toString())?.[1];
              ec = /<ErrorCode>(\w+)</.exec(r.body.toString())?.[1];
            }
            observations++;
            seen.push(`${st}/${ec}`);
          }
        });
        await Promise.all([patcher, ...readers]);
        const detail = JSON.parse((await send(`${server.origin}/__admin/batches/${id}`, { agent })).body.toString());
        const history = new Set<string>((detail.history as { status: string; errorCode: string }[]).map((h) => `${h.status}/${h.errorCode}`));
        history.add(`${detail.status}/${detail.errorCode}`);
        const never = [...new Set(seen)].filter((s) => !history.has(s));
        if (never.length) problems.push(`batch ${id}: observed ${never.join(', ')}, never in its history (${[...history].join(', ')})`);
      }),
    );
    agent.destroy();
    const summary = `race: ${BATCHES} batches, ${patchesDone} PATCHes, ${observations} GetStatus observations`;
    console.log(summary);
    t.diagnostic(summary);
    assert.deepEqual(problems, []);
  });
});
