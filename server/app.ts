// Wiring only: builds the whole mock (store, clock, domain, control core, adapters, listener) apart
// from listening, so tests and main.ts can start it on any port and close it cleanly.
import fs from 'node:fs';
import http from 'node:http';
import { lazyAdminHandler, matchAdminPath } from './admin/mount';
import { ControllableClock } from './batches/clock';
import { BatchService } from './batches/service';
import { BatchStore } from './batches/store';
import { Config, ConfigError } from './config';
import { MockControl } from './control/facade';
import { loadFixtures, watchFixtures } from './control/fixtures';
import { ConflictError, FixtureError } from './errors';
import { Delivery } from './http/delivery';
import { exchangeHandler } from './http/exchanges';
import { createListener, failRequest } from './http/listener';
import { withNamespacePrefix } from './http/namespaces';
import { notFoundLine, requestLine } from './http/request-log';
import { Logger, requestLogger } from './log/logger';
import { createApplicationHandler, matchApplicationPath } from './soap/application';
import { createAsmxHandler, matchServicePath } from './soap/asmx';
import { ServiceDescription, loadServiceDescription } from './soap/wsdl';

export interface App {
  server: http.Server;
  control: MockControl;
  /** The default namespace's batches and clock, and the store, for embedding and in-process tests. */
  batches: BatchService;
  store: BatchStore;
  clock: ControllableClock;
  description: ServiceDescription;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the database. */
  close(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger): Promise<App> {
  const watched = config.fixturesDir ?? './fixtures';
  if (config.fixturesWatch && !fs.existsSync(watched)) {
    throw new ConfigError(`FIXTURES_WATCH=true needs a fixtures folder: ${config.fixturesDir === null ? 'set FIXTURES_DIR (./fixtures does not exist)' : `FIXTURES_DIR ${watched} does not exist`}`);
  }
  const description = loadServiceDescription();
  const store = new BatchStore(config.dbPath, config.firstBatchId);
  const basePolicy = {
    timings: { queuedMs: config.queuedMs, processingInputMs: config.processingInputMs, waitingForOutputMs: config.waitingForOutputMs },
    timeoutUnitMs: config.timeoutUnitMs,
  };
  let control: MockControl;
  try {
    control = new MockControl({
      store,
      journalLimit: config.journalLimit,
      maxNamespaces: config.maxNamespaces,
      namespaceIdleMs: config.namespaceIdleMs,
      maxWaiters: config.maxWaiters,
      waitTimeoutMaxMs: config.waitTimeoutMaxMs,
      metrics: config.metrics,
      onError: (err) => logger.error({ err }, 'event listener failed'),
      basePolicy,
      configuredProfiles: config.knownProfiles,
      loadFixtures: () => loadFixtures(config.fixturesDir),
      describeWsdl: () =>
        description.validated().then(
          () => 'loaded',
          (err: Error) => `invalid: ${err.message}`,
        ),
    });
  } catch (err) {
    store.close();
    throw err;
  }

  const onError = (res: http.ServerResponse, err: unknown) => {
    logger.error({ err }, 'unhandled error');
    failRequest(res);
  };
  const delivery = new Delivery(onError);
  const logRequest = requestLogger(logger, config.logPretty);
  const asmx = createAsmxHandler({
    description,
    bodyLimitBytes: config.bodyLimitBytes,
    enter: (sr) => control.enter(sr),
    customErrors: config.customErrors,
  });
  const admin = lazyAdminHandler({
    control,
    adminToken: config.adminToken,
    corsOrigin: config.corsOrigin,
    onUnexpected: (err) => logger.error({ err }, 'admin error'),
    // One line per admin call; health at debug, or a health check every few seconds would drown the rest.
    log: (fields) => (fields['route'] === '/__admin/health' ? logger.debug(fields, 'admin') : logger.info(fields, 'admin')),
  });

  const server = createListener({
    maxConnections: config.maxConnections,
    requestTimeoutMs: config.requestTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    onNotFound: (method, path) => logRequest(notFoundLine(method, path)),
    routes: [
      {
        match: withNamespacePrefix(matchServicePath),
        handle: exchangeHandler({
          serve: asmx,
          record: (ex, method, path) => control.record(ex, method, path),
          log: (ex, method, path) => logRequest(requestLine(ex, method, path)),
          delivery,
          onError,
        }),
      },
      // The rest of the IIS application (an unknown .asmx, its root): ASP.NET's 404 page.
      { match: withNamespacePrefix(matchApplicationPath), handle: createApplicationHandler() },
      { match: matchAdminPath, handle: admin },
    ],
  });

  // FIXTURES_WATCH: a change to a fixture file reloads them all; a bad file is refused and logged.
  let unwatch: (() => void) | null = null;
  if (config.fixturesWatch) {
    unwatch = watchFixtures(watched, () => {
      try {
        const r = control.reloadFixtures();
        logger.info({ fixtures: r.fixtures, rules: r.rules }, 'fixtures reloaded');
      } catch (err) {
        // A timer's callback: whatever went wrong is logged, never thrown (it would end the process).
        if (err instanceof FixtureError || err instanceof ConflictError) {
          logger.warn({ problems: err instanceof FixtureError ? err.problems : err.message }, 'fixtures changed but were refused; the loaded ones stay');
        } else {
          logger.error({ err }, 'fixtures changed but could not be reloaded');
        }
      }
    });
  }

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
      unwatch?.();
      control.close();
      server.close(() => done());
      server.closeIdleConnections();
    }));

  const { batches, clock } = control.defaultWorld;
  return { server, control, batches, store, clock, description, close };
}
