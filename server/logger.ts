// pino JSON lines on stdout; pretty-printed when asked for and pino-pretty (a dev dependency) is there.
import pino, { Logger } from 'pino';
import { Config } from './config';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>): Logger {
  const options: pino.LoggerOptions = { level: config.logLevel, base: { service: 'cora-ocr-mock' } };
  if (config.logPretty) {
    try {
      require.resolve('pino-pretty');
      return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      // pino-pretty is absent in production installs; fall back to JSON lines.
    }
  }
  // Asynchronous writes: a log line per request must not cost a blocking write syscall each.
  // main.ts flushes synchronously before the process exits.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/** Writes out whatever the logger still buffers; call before process.exit. */
export function flushLogger(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { flushSync?: () => void } | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // stdout already gone (e.g. a closed pipe): nothing more can be said anyway.
  }
}
