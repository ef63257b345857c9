#!/usr/bin/env node
// Entry point: validate config once, build the app, listen, and shut down cleanly on signals.
import { buildApp } from './app';
import { ConfigError, loadConfig, usage } from './config';
import { FixtureError, formatFixtureProblem } from './errors';
import { boundHeapGrowth } from './heap';
import { createLogger, flushLogger } from './log/logger';

/** One clear line on stderr and a non-zero exit: start-up problems are the user's to fix, not stack traces. */
function die(message: string, code = 1): never {
  process.stderr.write(`cora-ocr-mock: ${message}\n`);
  process.exit(code);
}

export async function serve(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: cora-ocr-mock [serve] [options]\n\nOptions (each also an environment variable):\n${usage()}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) die(err.message, 2);
    throw err;
  }
  const logger = createLogger(config);
  let app;
  try {
    app = await buildApp(config, logger);
  } catch (err) {
    // The user's configuration (settings, fixture files) is at fault: exit 2, every problem on its own line.
    if (err instanceof ConfigError) die(err.message, 2);
    if (err instanceof FixtureError) die(err.problems.map(formatFixtureProblem).join('\ncora-ocr-mock: '), 2);
    die(`cannot start: ${(err as Error).message}`);
  }
  app.server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') die(`cannot listen on ${config.host}:${config.port}: address already in use`);
    if (err.code === 'EACCES') die(`cannot listen on ${config.host}:${config.port}: permission denied`);
    die(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  });
  app.server.listen(config.port, config.host, () => {
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    logger.info(
      { host: config.host, port, dbPath: config.dbPath, url: `http://${config.host}:${port}/SequenceServices/coraOcrIntegration_v1.0.0.asmx` },
      'listening',
    );
    // Now, not before: see heap.ts.
    boundHeapGrowth();
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second signal means "now": the database is left to WAL recovery, which is crash-safe.
      flushLogger(logger);
      process.exit(1);
    }
    stopping = true;
    // Whatever happens below, the process must end: a hard deadline past the grace period.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 2000).unref();
    try {
      logger.info({ signal }, 'shutting down');
    } catch {
      // logging must never keep the process from stopping
    }
    app.close().then(
      () => {
        try {
          logger.info('database closed; bye');
        } catch {
          // as above
        }
        flushLogger(logger);
        process.exit(0);
      },
      (err) => {
        try {
          logger.error({ err }, 'shutdown failed');
        } catch {
          // as above
        }
        flushLogger(logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  serve(process.argv.slice(2)).catch((err) => die((err as Error).stack ?? String(err)));
}
