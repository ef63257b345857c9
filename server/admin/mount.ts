// The admin plane as one request handler that loads express and the routes on its first request:
// start-up and the SOAP hot path never wait for them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { elapsedMs, startTimer } from '../elapsed';
import type { RequestTarget } from '../http/listener';
import { NAMESPACE_HEADER, splitNamespacePath, withNamespacePrefix } from '../http/namespaces';
import type { AdminOptions } from './routes';

export const ADMIN_PREFIX = '/__admin';

/** Whether a path is the admin plane's (also behind /ns/{name}): the rest after /__admin, or null. */
export const matchAdminPath = withNamespacePrefix((pathname: string): string | null => {
  if (pathname === ADMIN_PREFIX || pathname.startsWith(ADMIN_PREFIX + '/')) return pathname.slice(ADMIN_PREFIX.length);
  return null;
});

export function lazyAdminHandler(options: AdminOptions): (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => void {
  let admin: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const log = options.log;
  return (req, res, target) => {
    // /ns/{name}/__admin/... is /__admin/... in that namespace: the routes read the header.
    const split = splitNamespacePath(target.pathname);
    if (split) {
      req.headers[NAMESPACE_HEADER] = split.namespace;
      req.url = split.pathname + target.search;
    }
    if (log) {
      const startedAt = startTimer();
      const path = split ? split.pathname : target.pathname;
      // 'close' comes once, when the answer is sent or the client went away (a long poll given up).
      res.once('close', () => {
        const route = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
        const namespace = req.headers[NAMESPACE_HEADER];
        log({
          method: req.method,
          route: typeof route === 'string' ? ADMIN_PREFIX + route : null,
          path,
          ...(typeof namespace === 'string' && namespace !== '' ? { namespace } : {}),
          status: res.writableFinished ? res.statusCode : null,
          durationMs: elapsedMs(startedAt),
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      });
    }
    if (!admin) {
      const express = require('express') as typeof import('express');
      const { createAdminRouter } = require('./routes') as typeof import('./routes');
      const app = express();
      app.disable('x-powered-by');
      app.set('etag', false);
      app.use(ADMIN_PREFIX, createAdminRouter(options));
      admin = app;
    }
    admin(req, res);
  };
}
