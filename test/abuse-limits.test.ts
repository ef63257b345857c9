// Issue 6.3: limits. Body size (413, also chunked without Content-Length), header size and count
// (431, node's defaults), slow clients (a slow-loris dribbling headers is cut off after
// HEADERS_TIMEOUT_MS, a slow body after REQUEST_TIMEOUT_MS), and a cap on concurrent connections
// (MAX_CONNECTIONS) with a clear refusal while the admitted connections keep working.
// Spawned production servers with small limits; raw TCP where the client must misbehave.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { send } from './support/abuse';
import { API_NS, CONTENT_TYPE, SERVICE_PATH as SERVICE } from './support/constants';
import { envelope, fileBatchBody } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { waitFor } from './support/wait';

const BODY_LIMIT = 64 * 1024;
const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
/** Generous bound for "the server cut the slow client off": several times the configured timeout. */
const CUTOFF_BOUND_MS = 10_000;

interface RawResult {
  /** Everything the server sent. */
  data: string;
  status: number | null;
  /** The server closed (FIN or RST) before we gave up. */
  closed: boolean;
  closedAfterMs: number | null;
  error: string | null;
}

/** A raw TCP client: sends `first`, then `drip` pieces every `everyMs`, until closed or `giveUpMs`. */
function rawClient(port: number, first: string | Buffer, opts: { drip?: () => string | null; everyMs?: number; giveUpMs: number }): Promise<RawResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    let closedAt: number | null = null;
    let error: string | null = null;
    let ticker: NodeJS.Timeout | undefined;
    const finish = () => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve({ data, status: m ? Number(m[1]) : null, closed: closedAt !== null, closedAfterMs: closedAt, error });
    };
    const giveUp = setTimeout(finish, opts.giveUpMs);
    sock.on('connect', () => {
      sock.write(first);
      if (opts.drip) {
        ticker = setInterval(() => {
          const piece = opts.drip!();
          if (piece !== null && !sock.destroyed) sock.write(piece);
        }, opts.everyMs ?? 500);
      }
    });
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    sock.on('close', () => {
      closedAt = Date.now() - started;
      finish();
    });
  });
}

const fileBatchRequest = (extra = '') => {
  const body = envelope('1.1', fileBatchBody({ ExternalContext: `limits${extra}` }));
  return { body, headers: { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` } };
};

async function batchCount(s: ServerProcess): Promise<number> {
  const r = await send(`${s.origin}/__admin/health`);
  return JSON.parse(r.body.toString()).batches as number;
}

describe('limits', () => {
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({
      DB_PATH: ':memory:',
      BODY_LIMIT: `${BODY_LIMIT}`,
      HEADERS_TIMEOUT_MS: `${HEADERS_TIMEOUT_MS}`,
      REQUEST_TIMEOUT_MS: `${REQUEST_TIMEOUT_MS}`,
    });
  });
  after(() => server?.stop('SIGKILL'));

  const big = () => envelope('1.1', fileBatchBody({ ExternalContext: 'x'.repeat(BODY_LIMIT + 1000) }));

  for (const [name, path, headers] of [
    ['SOAP', SERVICE, { 'Content-Type': CONTENT_TYPE['1.1'], SOAPAction: `"${API_NS}FileBatch"` }],
    ['HTTP POST /GetStatus', `${SERVICE}/GetStatus`, { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ] as const) {
    it(`${name}: a body over BODY_LIMIT with Content-Length is a 413, and nothing is stored`, async () => {
      const before = await batchCount(server);
      const body = name === 'SOAP' ? big() : `MasterWorkflowInstanceId=1&pad=${'x'.repeat(BODY_LIMIT + 1000)}`;
      const a = await send(server.origin + path, { method: 'POST', headers: { ...headers }, body });
      assert.equal(a.status, 413, a.body.toString());
      assert.ok(a.complete);
      assert.equal(await batchCount(server), before);
    });

    it(`${name}: a chunked body over BODY_LIMIT (no Content-Length) is a 413 too`, async () => {
      const before = await batchCount(server);
      const body = Buffer.from(name === 'SOAP' ? big() : `pad=${'x'.repeat(BODY_LIMIT + 1000)}`);
      // Chunks of 8 kB, the last ones only after a pause, as a streaming client would send them.
      let head = `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n`;
      for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
      let offset = 0;
      const r = await rawClient(server.port, `${head}\r\n`, {
        everyMs: 20,
        drip: () => {
          if (offset > body.length) return null;
          const piece = body.subarray(offset, offset + 8192);
          offset += 8192;
          return piece.length ? `${piece.length.toString(16)}\r\n${piece.toString('latin1')}\r\n` : '0\r\n\r\n';
        },
        giveUpMs: 5000,
      });
      assert.equal(r.status, 413, `answer: ${JSON.stringify(r.data.slice(0, 300))} error: ${r.error}`);
      assert.equal(await batchCount(server), before);
    });
  }

  it('a body exactly at the limit is still accepted', async () => {
    const base = envelope('1.1', fileBatchBody({ ExternalContext: '' }));
    const body = envelope('1.1', fileBatchBody({ ExternalContext: 'y'.repeat(BODY_LIMIT - Buffer.byteLength(base)) }));
    assert.equal(Buffer.byteLength(body), BODY_LIMIT);
    const a = await send(server.serviceUrl, { method: 'POST', headers: fileBatchRequest().headers, body });
    assert.equal(a.status, 200, a.body.toString().slice(0, 300));
  });

  it('one 20 kB header is a 431 (node default 16 kB)', async () => {
    const r = await rawClient(server.port, `GET ${SERVICE} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, { giveUpMs: 5000 });
    assert.equal(r.status, 431, JSON.stringify(r.data.slice(0, 200)));
  });

  it('3,000 headers (over 16 kB in all) are a 431', async () => {
    let head = `GET ${SERVICE} HTTP/1.1\r\nHost: x\r\n`;
    for (let i = 0; i < 3000; i++) head += `X-H${i}: v\r\n`;
    const r = await rawClient(server.port, `${head}\r\n`, { giveUpMs: 5000 });
    assert.equal(r.status, 431, JSON.stringify(r.data.slice(0, 200)));
  });

  it(`slow clients are cut off: headers after HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS}, a body after REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}`, async (t) => {
    let n = 0;
    const loris = rawClient(server.port, `POST ${SERVICE} HTTP/1.1\r\nHost: x\r\n`, {
      everyMs: 400,
      drip: () => `X-Loris-${n++}: ${n}\r\n`, // a header line now and then, never the blank line
      giveUpMs: CUTOFF_BOUND_MS,
    });
    const { body, headers } = fileBatchRequest('-slow');
    const bodyBytes = Buffer.from(body);
    let sent = 0;
    let head = `POST ${SERVICE} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    const slowBody = rawClient(server.port, `${head}\r\n`, {
      everyMs: 400,
      drip: () => (sent < bodyBytes.length - 1 ? bodyBytes.subarray(sent, ++sent).toString('latin1') : null), // never the last byte
      giveUpMs: CUTOFF_BOUND_MS,
    });
    const [l, b] = await Promise.all([loris, slowBody]);
    const line = `slow-loris closed=${l.closed} after ${l.closedAfterMs} ms (answer ${l.status}); slow body closed=${b.closed} after ${b.closedAfterMs} ms (answer ${b.status})`;
    console.log(line);
    t.diagnostic(line);
    assert.ok(l.closed, `a slow-loris dribbling headers still held its connection after ${CUTOFF_BOUND_MS} ms (HEADERS_TIMEOUT_MS=${HEADERS_TIMEOUT_MS})`);
    assert.ok(b.closed, `a slow body still held its connection after ${CUTOFF_BOUND_MS} ms (REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS})`);
    assert.ok(l.status === null || l.status === 408, `loris answer ${l.status}`);
    assert.ok(b.status === null || b.status === 408, `slow body answer ${b.status}`);
  });

  it('the server still serves normally afterwards', async () => {
    const { body, headers } = fileBatchRequest('-after');
    const a = await send(server.serviceUrl, { method: 'POST', headers, body });
    assert.equal(a.status, 200);
  });
});

describe('connection cap', () => {
  const MAX = 5;
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:', MAX_CONNECTIONS: `${MAX}` });
  });
  after(() => server?.stop('SIGKILL'));

  /** A kept-alive connection that can send several requests in turn. */
  function keepAlive() {
    const sock = net.connect(server.port, '127.0.0.1');
    let buf = '';
    let closed = false;
    sock.on('data', (d) => (buf += d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => (closed = true));
    /** Resolves once `done()` holds, checked on every byte that arrives and on close; false after `giveUpMs`. */
    const until = (done: () => boolean, giveUpMs: number) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (!done() && !closed) return;
          sock.off('data', check);
          sock.off('close', check);
          clearTimeout(timer);
          resolve(done());
        };
        const timer = setTimeout(() => {
          sock.off('data', check);
          sock.off('close', check);
          resolve(done());
        }, giveUpMs);
        sock.on('data', check);
        sock.on('close', check);
        check();
      });
    const ready = new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    /** The status of a complete answer in `text`, if there is one. */
    const complete = (text: string): number | null => {
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\nContent-Length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(text);
      return m && text.length - (text.indexOf('\r\n\r\n') + 4) >= Number(m[2]) ? Number(m[1]) : null;
    };
    return {
      ready,
      isClosed: () => closed,
      /** Waits (up to `giveUpMs`) for the server to close this connection; resolves with whether it did. */
      closedByServer: (giveUpMs: number) => until(() => closed, giveUpMs),
      /** Everything the server sent on this connection so far. */
      received: () => buf,
      firstStatus: () => complete(buf),
      sock,
      /** Sends GET ?disco and waits (up to 5 s) for a complete answer; resolves with the status or null. */
      async get(): Promise<number | null> {
        const from = buf.length;
        if (closed) return null;
        sock.write(`GET ${SERVICE}?disco HTTP/1.1\r\nHost: x\r\n\r\n`);
        await until(() => complete(buf.slice(from)) !== null, 5000);
        return complete(buf.slice(from));
      },
    };
  }

  it(`MAX_CONNECTIONS=${MAX}: connection ${MAX + 1} is refused clearly, the first ${MAX} keep working`, async (t) => {
    const admitted = Array.from({ length: MAX }, keepAlive);
    await Promise.all(admitted.map((c) => c.ready));
    assert.deepEqual(await Promise.all(admitted.map((c) => c.get())), Array(MAX).fill(200), `the first ${MAX} connections are served`);

    const extra = keepAlive();
    let extraStatus: number | null = null;
    try {
      await extra.ready;
      extraStatus = await extra.get();
    } catch {
      // refused at connect: clear enough
    }
    // The server ends a refused connection right after its 503: wait for that (or give up after 5 s).
    await extra.closedByServer(5000);
    // The refusal may come at once on connect (before any request) or as the answer to it.
    if (extraStatus === null) extraStatus = extra.firstStatus();
    const line = `connection ${MAX + 1}: answer ${extraStatus}, closed by the server ${extra.isClosed()}: ${JSON.stringify(extra.received().split('\r\n')[0] ?? '')}`;
    console.log(line);
    t.diagnostic(line);
    assert.notEqual(extraStatus, 200, `connection ${MAX + 1} was served despite MAX_CONNECTIONS=${MAX}`);
    assert.ok(extraStatus === 503 || extra.isClosed(), `connection ${MAX + 1} is neither answered 503 nor closed: it hangs`);

    assert.deepEqual(await Promise.all(admitted.map((c) => c.get())), Array(MAX).fill(200), `the first ${MAX} still work`);
    // Freeing one slot admits a new connection. The server counts the slot free once it has seen
    // the close, which the client cannot observe: try new connections until one is served.
    admitted[0]!.sock.destroy();
    const tried: ReturnType<typeof keepAlive>[] = [];
    const later = await waitFor(
      async () => {
        const c = keepAlive();
        tried.push(c);
        await c.ready;
        return (await c.get()) === 200 ? c : null;
      },
      { what: 'a new connection to be admitted once one closed', timeoutMs: 5000 },
    );
    assert.equal(await later.get(), 200, 'the admitted connection keeps working');
    for (const c of [...admitted, extra, ...tried]) c.sock.destroy();
  });
});
