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
  return pino(options);
}
