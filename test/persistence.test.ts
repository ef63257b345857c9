// The production server as a process: persistence across restarts, 64-bit ids, start-up errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { API_NS, CONTENT_TYPE } from './support/constants';
import { envelope, metadataHeader, raw, soapAction, fileBatchBody } from './support/mock';
import { freePort, isListening, runToExit, spawnServer } from './support/process';
import { waitFor } from './support/wait';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-persist-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function fileBatch(serviceUrl: string, ctx: string): Promise<string> {
  const r = await raw(serviceUrl, {
    method: 'POST',
    headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: soapAction('FileBatch') },
    body: envelope('1.1', fileBatchBody({ ExternalContext: ctx })),
  });
  assert.equal(r.status, 200, r.body);
  return /<MasterWorkflowInstanceId>(\d+)</.exec(r.body)![1]!;
}

async function getStatus(serviceUrl: string, id: string) {
  const r = await raw(serviceUrl, {
    method: 'POST',
    headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: soapAction('GetStatus') },
    body: envelope('1.1', `<GetStatus xmlns="${API_NS}"/>`, metadataHeader(id)),
  });
  assert.equal(r.status, 200, r.body);
  return {
    status: /<Status>(\w+)</.exec(r.body)![1],
    ctx: /<ExternalContext>([^<]*)</.exec(r.body)?.[1],
  };
}

describe('persistence', () => {
  it('a restart on the same DB file keeps every batch, and ids are never reused', async () => {
    const db = path.join(tmp, 'restart', 'mock.sqlite');
    const first = await spawnServer({ DB_PATH: db });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await fileBatch(first.serviceUrl, `ctx-${i}`));
    assert.equal(await first.stop('SIGTERM'), 0, 'clean exit on SIGTERM');
    assert.match(first.output(), /database closed/);

    const second = await spawnServer({ DB_PATH: db });
    try {
      for (const [i, id] of ids.entries()) {
        const s = await getStatus(second.serviceUrl, id);
        assert.notEqual(s.status, 'NotFound', `batch ${id} survived`);
        assert.equal(s.ctx, `ctx-${i}`);
      }
      const next = await fileBatch(second.serviceUrl, 'after');
      assert.ok(BigInt(next) > BigInt(ids[ids.length - 1]!), `new id ${next} follows the old ones`);
    } finally {
      await second.stop();
    }
  });

  it('ids above 2^53 round-trip exactly through FileBatch, GetStatus and a restart', async () => {
    const db = path.join(tmp, 'big.sqlite');
    const start = 2n ** 53n + 1n; // 9007199254740993: not representable as a JS number
    const first = await spawnServer({ DB_PATH: db, FIRST_BATCH_ID: start.toString() });
    const a = await fileBatch(first.serviceUrl, 'a');
    const b = await fileBatch(first.serviceUrl, 'b');
    assert.equal(a, start.toString());
    assert.equal(b, (start + 1n).toString());
    assert.equal((await getStatus(first.serviceUrl, a)).ctx, 'a');
    assert.equal((await getStatus(first.serviceUrl, b)).ctx, 'b');
    // 2^53 itself would be what a lossy client sends for both: it must not find either.
    assert.equal((await getStatus(first.serviceUrl, (2n ** 53n).toString())).status, 'NotFound');
    await first.stop();
    const second = await spawnServer({ DB_PATH: db });
    try {
      assert.equal((await getStatus(second.serviceUrl, b)).ctx, 'b');
    } finally {
      await second.stop();
    }
  });

  it('the largest long, 9223372036854775807, is accepted in the header', async () => {
    const p = await spawnServer({ DB_PATH: ':memory:', FIRST_BATCH_ID: '9223372036854775806' });
    try {
      const id = await fileBatch(p.serviceUrl, 'max');
      assert.equal(id, '9223372036854775806');
      assert.equal((await getStatus(p.serviceUrl, '9223372036854775807')).status, 'NotFound');
      assert.equal((await getStatus(p.serviceUrl, id)).ctx, 'max');
    } finally {
      await p.stop();
    }
  });
});

describe('start-up validation', () => {
  const cases: [string, Record<string, string>, string[], RegExp][] = [
    ['a non-numeric PORT', { PORT: 'abc' }, [], /invalid PORT: 'abc'/],
    ['a negative QUEUED_MS', { QUEUED_MS: '-1' }, [], /invalid QUEUED_MS/],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, [], /invalid LOG_LEVEL: 'loud'/],
    ['a bad flag value', {}, ['--timeout-unit-ms', '0'], /invalid TIMEOUT_UNIT_MS: '0'/],
    ['an unknown flag', {}, ['--colour', 'red'], /unknown option --colour/],
    ['a bad BODY_LIMIT', { BODY_LIMIT: 'lots' }, [], /invalid BODY_LIMIT/],
  ];
  for (const [label, env, args, message] of cases) {
    it(`${label} stops start-up with one line naming the setting`, async () => {
      const r = await runToExit(env, args);
      assert.equal(r.code, 2);
      assert.match(r.output, message);
      assert.equal(r.output.trim().split('\n').length, 1, r.output);
    });
  }

  it('flags override the environment', async () => {
    const fromEnv = await freePort();
    let fromFlag = await freePort();
    while (fromFlag === fromEnv) fromFlag = await freePort();
    const p = await spawnServer({ DB_PATH: ':memory:', PORT: String(fromEnv) }, ['--port', String(fromFlag)]);
    try {
      assert.equal(p.port, fromFlag, `the server listens on --port ${fromFlag}, not PORT=${fromEnv}`);
      assert.equal((await raw(`${p.serviceUrl}?wsdl`)).status, 200, 'and answers there');
      assert.equal(await isListening(fromEnv), false, `nothing listens on PORT=${fromEnv}`);
    } finally {
      await p.stop();
    }
  });

  it('a port in use stops start-up with a clear message', async () => {
    const p = await spawnServer({ DB_PATH: ':memory:' });
    try {
      const port = new URL(p.origin).port;
      const r = await runToExit({ PORT: port, DB_PATH: ':memory:' });
      assert.equal(r.code, 1);
      assert.match(r.output, /address already in use/);
    } finally {
      await p.stop();
    }
  });
});

describe('packaging', () => {
  it("the Dockerfile's CMD runs node with the same flags as npm start", () => {
    const root = path.resolve(__dirname, '..');
    const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'))![1]!;
    // npm start execs node (so a signal to npm reaches the server); the image runs node directly.
    assert.deepEqual(JSON.parse(cmd), start.replace(/^exec /, '').split(/\s+/));
  });
});

describe('shutdown when stdout is gone', () => {
  // Like `cora-ocr-mock | head -1`: the log reader goes away, and every later log write fails with
  // EPIPE. Log lines go out in batches (server/log/sink.ts): 50 ms after the first one waiting, or
  // at once when 16 kB are waiting; on SIGTERM the rest is flushed synchronously. Neither may keep
  // retrying the closed pipe (pino's own destination did, and the process never exited).
  const HIGH_WATER = 16384;
  const getStatusUrl = (p: { serviceUrl: string }) => `${p.serviceUrl}/GetStatus`;

  it('a mock whose log reader closed the pipe still stops on SIGTERM (exit 0): stopped at once', async () => {
    const p = await spawnServer({ DB_PATH: path.join(tmp, 'epipe-quiet.sqlite') });
    p.child.stdout!.destroy();
    // Its "shutting down" and "bye" lines meet the closed pipe in the final synchronous flush.
    assert.equal(await p.stop('SIGTERM'), 0, 'exited by itself, cleanly (the SIGKILL after 15 s would give null)');
  });

  it('a mock whose log reader closed the pipe still stops on SIGTERM (exit 0): after a batch of log lines hit the pipe', async () => {
    const p = await spawnServer({ DB_PATH: path.join(tmp, 'epipe.sqlite') });
    // One request while the pipe is still read, to learn how long a request's log line is.
    await raw(getStatusUrl(p));
    const line = await waitFor(() => p.output().split('\n').find((l) => l.includes('"msg":"request"')), { what: "the request's log line" });
    p.child.stdout!.destroy();
    // Twice the high-water mark in log lines: a batch is written to the closed pipe while a request
    // is served (each line is logged before its answer is sent), no timer involved.
    const requests = 2 * Math.ceil(HIGH_WATER / (line.length + 1));
    for (let i = 0; i < requests; i++) await raw(getStatusUrl(p));
    assert.equal(await p.stop('SIGTERM'), 0, 'exited by itself, cleanly (the SIGKILL after 15 s would give null)');
  });
});
