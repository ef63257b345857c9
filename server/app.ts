// Builds the whole mock (store, clock, domain, adapters) apart from the listener, so tests and
// main.ts can start it on any port and close it cleanly.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { ControllableClock } from './batches/clock';
import { BatchService } from './batches/service';
import { BatchStore } from './batches/store';
import { Config } from './config';
import { Logger } from './logger';
import { AsmxHooks, Exchange, createAsmxHandler, matchServicePath } from './soap/asmx';
import { ServiceDescription, loadServiceDescription } from './soap/wsdl';

export interface App {
  server: http.Server;
  batches: BatchService;
  store: BatchStore;
  clock: ControllableClock;
  description: ServiceDescription;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the database. */
  close(): Promise<void>;
}

function writeReply(res: ServerResponse, ex: Exchange, head: boolean): void {
  const { reply } = ex;
  const headers: http.OutgoingHttpHeaders = { 'Content-Length': Buffer.byteLength(reply.body) };
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  if (reply.cacheControl) headers['Cache-Control'] = reply.cacheControl;
  if (reply.status === 413) headers['Connection'] = 'close';
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : reply.body);
}

export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const description = await loadServiceDescription();
  const store = new BatchStore(config.dbPath, config.firstBatchId);
  const clock = new ControllableClock();
  const batches = new BatchService(store, clock, {
    timings: {
      queuedMs: config.queuedMs,
      processingInputMs: config.processingInputMs,
      waitingForOutputMs: config.waitingForOutputMs,
    },
    timeoutUnitMs: config.timeoutUnitMs,
  });

  const hooks: AsmxHooks = {
    decide: () => ({ ruleIds: [] }),
    send(req, res, ex, startedAt) {
      writeReply(res, ex, req.method === 'HEAD');
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      logger.info(
        {
          protocol: ex.protocol,
          operation: ex.operation,
          batchId: ex.batchId?.toString() ?? null,
          status: ex.resultStatus,
          http: ex.reply.status,
          durationMs: Math.round(durationMs * 1000) / 1000,
          ...(ex.error ? { error: ex.error } : {}),
        },
        'request',
      );
    },
  };
  const asmx = createAsmxHandler({ batches, description, bodyLimitBytes: config.bodyLimitBytes, hooks });

  const notFound = (res: ServerResponse) => {
    const body = 'The resource cannot be found.';
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const onError = (res: ServerResponse, err: unknown) => {
    logger.error({ err }, 'unhandled error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = 'Internal server error.';
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      notFound(res);
      return;
    }
    const rest = matchServicePath(url.pathname);
    if (rest !== null) {
      asmx(req, res, url, rest).catch((err) => onError(res, err));
      return;
    }
    notFound(res);
  });
  server.maxConnections = config.maxConnections;
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(force);
        store.close();
        resolve();
      };
      const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
      server.close(() => done());
      server.closeIdleConnections();
    }));

  return { server, batches, store, clock, description, close };
}
