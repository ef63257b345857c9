// pino JSON lines on stdout; pretty-printed when asked for and pino-pretty (a dev dependency) is there.
import pino, { Logger } from 'pino';
import { LogSink } from './sink';

export type { Logger };

export function createLogger(config: { logLevel: pino.LevelWithSilent; logPretty: boolean }): Logger {
  const options: pino.LoggerOptions = { level: config.logLevel, base: { service: 'cora-ocr-mock' } };
  if (config.logPretty) {
    try {
      require.resolve('pino-pretty');
      return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      // pino-pretty is absent in production installs; fall back to JSON lines.
    }
  }
  // Asynchronous, batched writes (a log line per request must not cost a write syscall each);
  // main.ts flushes synchronously before the process exits.
  return pino(options, new LogSink(1));
}

type Stream = { write(line: string): unknown; flushSync?: () => void };
// pino keeps the destination under this symbol; for JSON output it is our LogSink.
const streamOf = (logger: Logger) => (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as Stream | undefined;

/**
 * The per-request line, on the hot path. It writes the very line pino would write (same fields,
 * same order as pino's own output) with one JSON.stringify, which costs a fraction of pino's
 * generic serialiser; with pretty output it simply goes through pino.
 */
export function requestLogger(logger: Logger, pretty: boolean): (fields: Record<string, unknown>) => void {
  const stream = streamOf(logger);
  if (pretty || !stream) return (fields) => logger.info(fields, 'request');
  return (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    fields['msg'] = 'request';
    stream.write(`{"level":30,"time":${Date.now()},"service":"cora-ocr-mock",${JSON.stringify(fields).slice(1)}\n`);
  };
}

/** Writes out whatever the logger still buffers; call before process.exit. */
export function flushLogger(logger: Logger): void {
  const stream = streamOf(logger);
  try {
    stream?.flushSync?.();
  } catch {
    // stdout already gone (e.g. a closed pipe): nothing more can be said anyway.
  }
}
