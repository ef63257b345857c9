// The admin plane as one request handler that loads express and the routes on its first request:
// start-up and the SOAP hot path never wait for them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminOptions } from './routes';

export const ADMIN_PREFIX = '/__admin';

/** Whether a path is the admin plane's: the rest after /__admin, or null. */
export function matchAdminPath(pathname: string): string | null {
  if (pathname === ADMIN_PREFIX || pathname.startsWith(ADMIN_PREFIX + '/')) return pathname.slice(ADMIN_PREFIX.length);
  return null;
}

export function lazyAdminHandler(options: AdminOptions): (req: IncomingMessage, res: ServerResponse) => void {
  let admin: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  return (req, res) => {
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
