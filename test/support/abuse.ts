// Shared helpers for the abuse suites (issue 6): a spawned server's memory, a bounded raw HTTP
// request that reports exactly what came back, a pool, and a listener that counts connections.
// (The server itself is spawned with spawnServer from ./process.)
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/** A field of /proc/PID/status in kB (VmHWM, VmRSS), or null when the process is gone. */
export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The body arrived whole: as long as Content-Length said (or the chunked stream ended). */
  complete: boolean;
  ms: number;
}

export class NoAnswer extends Error {
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
  }
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: http.Agent | false;
  timeoutMs?: number;
}

/**
 * One HTTP request with exactly the headers given. Resolves with the answer once the response
 * has ended; rejects (NoAnswer) on a timeout or a connection that died before a complete answer.
 * A write error after the response started (the server answered 413 early and closed) is not a failure.
 */
export function send(url: string, opts: SendOptions = {}): Promise<Answer> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    let settled = false;
    let gotResponse = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      const reuse = previous ? ` (reused keep-alive socket; it last carried ${previous})` : '';
      reject(new NoAnswer(`${why} after ${Date.now() - started} ms${reuse}`, Date.now() - started));
    };
    const headers: Record<string, string> = { ...opts.headers };
    const names = Object.keys(headers).map((h) => h.toLowerCase());
    // Node frames a body on GET/HEAD/DELETE/OPTIONS without any length unless told: always say it.
    if (opts.body !== undefined && opts.body.length > 0 && !names.includes('content-length') && !names.includes('transfer-encoding')) {
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    }
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: opts.agent ?? false });
    // With a keep-alive agent, say which earlier exchange left the socket behind (for diagnosis).
    let previous: string | undefined;
    req.on('socket', (s) => {
      const tagged = s as typeof s & { lastExchange?: string };
      previous = tagged.lastExchange;
      tagged.lastExchange = `${opts.method ?? 'GET'} ${url.slice(0, 120)} (${opts.body?.length ?? 0} bytes)`;
    });
    const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    req.on('response', (res) => {
      gotResponse = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => fail(`response aborted (status ${res.statusCode})`));
      res.on('error', (e) => fail(`response error ${e.message} (status ${res.statusCode})`));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        const declared = res.headers['content-length'];
        const complete = opts.method === 'HEAD' || declared === undefined || Number(declared) === body.length;
        resolve({ status: res.statusCode!, headers: res.headers, body, complete, ms: Date.now() - started });
      });
    });
    req.on('error', (e) => {
      if (gotResponse) return; // e.g. EPIPE writing a body the server already refused
      fail(`request error ${(e as NodeJS.ErrnoException).code ?? e.message}`);
    });
    if (opts.body !== undefined && opts.body.length > 0) req.end(opts.body);
    else req.end();
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * A local TCP listener that records every connection made to it (to prove nothing goes out).
 * `settle()` makes a connection of its own and waits until the listener has accepted it: the
 * kernel queues connections in order, so every connection made before has been counted by then.
 * Its own connections are not counted.
 */
export async function connectionTrap(): Promise<{ port: number; connections: () => number; settle: () => Promise<void>; close: () => Promise<void> }> {
  let accepted = 0;
  let settled = 0;
  /** Remote ports of the connections accepted so far, and settle()'s waits keyed by local port. */
  const remotePorts = new Set<number>();
  const waiting = new Map<number, () => void>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    accepted++;
    if (s.remotePort !== undefined) {
      remotePorts.add(s.remotePort);
      waiting.get(s.remotePort)?.();
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => accepted - settled,
    settle: () =>
      new Promise<void>((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1');
        c.on('error', reject);
        c.on('connect', () => {
          const local = c.localPort!;
          const done = () => {
            waiting.delete(local);
            settled++;
            c.destroy();
            resolve();
          };
          // The listener may have accepted it before this side saw 'connect'.
          if (remotePorts.has(local)) done();
          else waiting.set(local, done);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
