// The listener side: one node:http server that routes each request by path to the adapter that
// owns it (SOAP service, admin API), caps concurrent connections with a clear 503, cuts off slow
// clients, and answers 404 for anything else. It knows no protocol beyond HTTP.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { plainText, writeReply } from './reply';

/** The parts of the request target an adapter reads (a full URL object costs more than this). */
export interface RequestTarget {
  pathname: string;
  search: string;
  readonly searchParams: URLSearchParams;
}

/** Splits `req.url` into path and query; odd targets (escapes, dot segments) go through URL. */
export function parseTarget(raw: string): RequestTarget | null {
  if (raw.startsWith('/') && !raw.includes('%') && !raw.includes('/.') && !raw.includes('\\') && !raw.includes('#')) {
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    const search = q < 0 ? '' : raw.slice(q);
    let params: URLSearchParams | undefined;
    return {
      pathname,
      search: search === '?' ? '' : search,
      get searchParams() {
        return (params ??= new URLSearchParams(search));
      },
    };
  }
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return null;
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget, rest: string) => void;

export interface Route {
  /** The rest of the path after this route's prefix, or null when the path is not this route's. */
  match(pathname: string): string | null;
  handle: Handler;
}

export interface ListenerOptions {
  routes: Route[];
  maxConnections: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** Told of every request no route serves (it is answered 404). */
  onNotFound?: (method: string, path: string) => void;
}

export const notFound = (res: ServerResponse) => writeReply(res, plainText(404, 'The resource cannot be found.'));

/** Answers 500 for a request whose handler failed (or ends the connection if the answer has begun). */
export function failRequest(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeReply(res, plainText(500, 'Internal server error.'));
}

export function createListener(opts: ListenerOptions): http.Server {
  const refused = new WeakSet<Socket>();
  const server = http.createServer(
    {
      requestTimeout: opts.requestTimeoutMs,
      headersTimeout: opts.headersTimeoutMs,
      // Node checks those timeouts on this interval (30 s by default): check often, so a
      // slow-loris client is cut off close to the configured time.
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      if (refused.has(req.socket)) return; // already answered 503 by the connection cap
      const target = parseTarget(req.url ?? '/');
      if (target) {
        for (const route of opts.routes) {
          const rest = route.match(target.pathname);
          if (rest !== null) return route.handle(req, res, target, rest);
        }
      }
      opts.onNotFound?.(req.method ?? '', req.url ?? '');
      notFound(res);
    },
  );
  // Over the connection cap a client gets a clear 503 and a close, not a silent drop.
  let open = 0;
  server.prependListener('connection', (socket: Socket) => {
    if (open >= opts.maxConnections) {
      refused.add(socket);
      const body = 'Too many concurrent connections to cora-ocr-mock (MAX_CONNECTIONS).\n';
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n${body}`,
      );
      socket.destroySoon();
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return server;
}
