// Builds the whole mock (store, clock, domain, control plane, adapters) apart from the listener,
// so tests and main.ts can start it on any port and close it cleanly.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AdminOptions } from './admin/routes';
import { ControllableClock } from './batches/clock';
import { BatchService } from './batches/service';
import { BatchStore } from './batches/store';
import { Config } from './config';
import { MockControl } from './control/facade';
import { loadFixtures } from './control/fixtures';
import { Journal } from './control/journal';
import { Logger, requestLogger } from './log/logger';
import { AsmxHooks, createAsmxHandler, matchServicePath, parseTarget } from './soap/asmx';
import { ServiceDescription, loadServiceDescription } from './soap/wsdl';
import { Delivery, writeReply } from './http/delivery';

export interface App {
  server: http.Server;
  batches: BatchService;
  store: BatchStore;
  clock: ControllableClock;
  control: MockControl;
  description: ServiceDescription;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the database. */
  close(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const startedAt = Date.now();
  const description = loadServiceDescription();
  const store = new BatchStore(config.dbPath, config.firstBatchId);
  const clock = new ControllableClock();
  const basePolicy = {
    timings: {
      queuedMs: config.queuedMs,
      processingInputMs: config.processingInputMs,
      waitingForOutputMs: config.waitingForOutputMs,
    },
    timeoutUnitMs: config.timeoutUnitMs,
  };
  const batches = new BatchService(store, clock, basePolicy);
  const journal = new Journal(config.journalLimit);
  let control: MockControl;
  try {
    control = new MockControl(batches, store, clock, journal, {
      basePolicy,
      configuredProfiles: config.knownProfiles,
      loadFixtures: () => loadFixtures(config.fixturesDir),
    });
  } catch (err) {
    store.close();
    throw err;
  }
  const delivery = new Delivery(
    (ruleId) => control.rules.draw(ruleId),
    (res, err) => onError(res, err),
  );

  const logRequest = requestLogger(logger, config.logPretty);
  const hooks: AsmxHooks = {
    decide: (sr) => control.decide(sr),
    send(req, res, ex, started) {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      control.record(req, ex, durationMs);
      const transport = MockControl.deliveryOf(ex.decision);
      const line: Record<string, unknown> = {
        protocol: ex.protocol,
        operation: ex.operation,
        batchId: ex.batchId === null ? null : ex.batchId.toString(),
        status: ex.resultStatus,
        http: ex.reply.status,
        durationMs,
      };
      if (ex.decision?.ruleIds.length) line['rules'] = ex.decision.ruleIds;
      if (transport) line['transportFault'] = transport.fault.type;
      if (ex.error) line['error'] = ex.error;
      logRequest(line);
      delivery.deliver(res, ex.reply, transport?.fault ?? null, transport?.ruleId ?? null, req.method === 'HEAD');
    },
  };
  const asmx = createAsmxHandler({ batches, description, bodyLimitBytes: config.bodyLimitBytes, hooks });

  // The admin plane (express, ajv) loads on its first request: start-up and the SOAP hot path
  // never wait for it.
  const adminOptions: AdminOptions = {
    control,
    adminToken: config.adminToken,
    corsOrigin: config.corsOrigin,
    health: async () => {
      const open = store.isOpen();
      let wsdl: string;
      try {
        await description.validated();
        wsdl = 'loaded';
      } catch (err) {
        wsdl = `invalid: ${(err as Error).message}`;
      }
      return {
        ok: open && wsdl === 'loaded',
        checks: {
          store: open ? 'open' : 'closed',
          wsdl,
          batches: open ? batches.count() : null,
          uptimeMs: Date.now() - startedAt,
          clock: clock.state(),
          journal: journal.stats(),
          fixtures: control.fixtureFiles,
        },
      };
    },
    onUnexpected: (err) => logger.error({ err }, 'admin error'),
  };
  let admin: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const adminHandler = () => {
    if (!admin) {
      const express = require('express') as typeof import('express');
      const { createAdminRouter } = require('./admin/routes') as typeof import('./admin/routes');
      const app = express();
      app.disable('x-powered-by');
      app.set('etag', false);
      app.use('/__admin', createAdminRouter(adminOptions));
      admin = app;
    }
    return admin;
  };

  const plainText = (res: ServerResponse, status: number, body: string) =>
    writeReply(res, { status, contentType: 'text/plain; charset=utf-8', cacheControl: null, body });
  const notFound = (res: ServerResponse) => plainText(res, 404, 'The resource cannot be found.');

  const onError = (res: ServerResponse, err: unknown) => {
    logger.error({ err }, 'unhandled error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    plainText(res, 500, 'Internal server error.');
  };

  const refused = new WeakSet<Socket>();
  const server = http.createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      // Node checks those timeouts on this interval (30 s by default): check often, so a
      // slow-loris client is cut off close to the configured time.
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      if (refused.has(req.socket)) return; // already answered 503 by the connection cap
      const url = parseTarget(req.url ?? '/');
      if (!url) {
        notFound(res);
        return;
      }
      const rest = matchServicePath(url.pathname);
      if (rest !== null) {
        asmx(req, res, url, rest).catch((err) => onError(res, err));
        return;
      }
      if (url.pathname === '/__admin' || url.pathname.startsWith('/__admin/')) {
        adminHandler()(req, res);
        return;
      }
      notFound(res);
    },
  );
  // Over the connection cap a client gets a clear 503 and a close, not a silent drop.
  let open = 0;
  server.prependListener('connection', (socket: Socket) => {
    if (open >= config.maxConnections) {
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

  // Let the soap package check the WSDL once the server is up and idle (health waits for it).
  server.once('listening', () => {
    setTimeout(() => description.validated().catch((err) => logger.error({ err }, 'the WSDL is invalid')), 500).unref();
  });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(force);
        store.close();
        resolve();
      };
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      // Answers scripted never to come would only delay shutdown.
      delivery.abortAll();
      server.close(() => done());
      server.closeIdleConnections();
    }));

  return { server, batches, store, clock, control, description, close };
}
