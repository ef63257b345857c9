// Configuration from environment variables, each with a matching command-line flag
// (`DB_PATH` <-> `--db-path`). Validated once at start; a bad value names the setting.
import { parseArgs } from 'node:util';
import { closest } from './args';
import { ConfigError } from './errors';

export { ConfigError };

/** ASP.NET's customErrors as callers see it: On is what a remote caller gets, Off what a local developer gets. */
export type CustomErrorsMode = 'On' | 'Off';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  port: number;
  host: string;
  dbPath: string;
  logLevel: LogLevel;
  logPretty: boolean;
  queuedMs: number;
  processingInputMs: number;
  waitingForOutputMs: number;
  timeoutUnitMs: number;
  bodyLimitBytes: number;
  firstBatchId: bigint;
  /** null: ./fixtures when it exists; "none": no fixtures. */
  fixturesDir: string | null;
  /** Reload the fixtures whenever a file in FIXTURES_DIR changes. */
  fixturesWatch: boolean;
  adminToken: string | null;
  knownProfiles: string[] | null;
  journalLimit: number;
  maxConnections: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  shutdownGraceMs: number;
  corsOrigin: string | null;
  maxNamespaces: number;
  namespaceIdleMs: number;
  customErrors: CustomErrorsMode;
  maxWaiters: number;
  waitTimeoutMaxMs: number;
  metrics: boolean;
}


interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  help: string;
  parse: (raw: string, name: string) => Config[K];
  default: Config[K];
}

const bad = (name: string, raw: string, why: string) => new ConfigError(`invalid ${name}: '${raw}' ${why}`);

const int =
  (min: number, max: number) =>
  (raw: string, name: string): number => {
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw bad(name, raw, `is not an integer between ${min} and ${max}`);
    const v = Number(raw);
    if (v < min || v > max) throw bad(name, raw, `is not an integer between ${min} and ${max}`);
    return v;
  };

const bool = (raw: string, name: string): boolean => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw bad(name, raw, 'is not a boolean (true/false)');
};

const customErrors = (raw: string, name: string): CustomErrorsMode => {
  const v = raw.trim().toLowerCase();
  if (v === 'on') return 'On';
  if (v === 'off') return 'Off';
  throw bad(name, raw, 'is not On or Off');
};

const text = (raw: string): string => raw;
const nonEmpty = (raw: string, name: string): string => {
  if (raw.trim() === '') throw bad(name, raw, 'must not be empty');
  return raw;
};

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2 };
const bytes = (raw: string, name: string): number => {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw bad(name, raw, 'is not a size (bytes, or with kb/mb)');
  const v = Number(m[1]) * unit;
  if (v < 1024 || v > 64 * 1024 ** 2) throw bad(name, raw, 'must be between 1kb and 64mb');
  return v;
};

const batchId = (raw: string, name: string): bigint => {
  if (!/^\s*\d+\s*$/.test(raw)) throw bad(name, raw, 'is not a positive 64-bit integer');
  const v = BigInt(raw.trim());
  if (v < 1n || v > 2n ** 63n - 1n) throw bad(name, raw, 'is not a positive 64-bit integer');
  return v;
};

const profiles = (raw: string): string[] | null => {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length === 0 ? null : list;
};

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

function setting<K extends keyof Config>(
  key: K,
  env: string,
  help: string,
  parse: Setting<K>['parse'],
  dflt: Config[K],
): Setting<K> {
  return { key, env, help, parse, default: dflt };
}

export const SETTINGS = [
  setting('port', 'PORT', 'TCP port to listen on', int(0, 65535), 8080),
  setting('host', 'HOST', 'address to bind (0.0.0.0 to accept other hosts)', nonEmpty, '127.0.0.1'),
  setting('dbPath', 'DB_PATH', 'SQLite file (":memory:" for none)', nonEmpty, './data/cora-ocr-mock.sqlite'),
  setting(
    'logLevel',
    'LOG_LEVEL',
    LOG_LEVELS.join('|'),
    (raw, name) => {
      if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw bad(name, raw, `is not one of ${LOG_LEVELS.join(', ')}`);
      return raw as LogLevel;
    },
    'info',
  ),
  setting('logPretty', 'LOG_PRETTY', 'human-readable logs (needs the dev dependency pino-pretty)', bool, false),
  setting('queuedMs', 'QUEUED_MS', 'time a batch stays Queued', int(0, TEN_YEARS_MS), 2000),
  setting('processingInputMs', 'PROCESSING_INPUT_MS', 'time in ProcessingInput', int(0, TEN_YEARS_MS), 3000),
  setting('waitingForOutputMs', 'WAITING_FOR_OUTPUT_MS', 'time in WaitingForOutput', int(0, TEN_YEARS_MS), 5000),
  setting('timeoutUnitMs', 'TIMEOUT_UNIT_MS', "milliseconds per unit of FileBatch's TimeOut", int(1, 86_400_000), 1000),
  setting('bodyLimitBytes', 'BODY_LIMIT', 'largest request body accepted (e.g. 1mb)', bytes, 1024 * 1024),
  setting('firstBatchId', 'FIRST_BATCH_ID', 'first MasterWorkflowInstanceId of a new database', batchId, 1001n),
  setting('fixturesDir', 'FIXTURES_DIR', 'folder of fixture JSON files (default ./fixtures if present; none to disable)', nonEmpty, null),
  setting('fixturesWatch', 'FIXTURES_WATCH', 'reload the fixtures when a file in FIXTURES_DIR changes (a bad file is refused and logged; the loaded ones stay)', bool, false),
  setting('adminToken', 'ADMIN_TOKEN', 'bearer token required by /__admin (except health)', nonEmpty, null),
  setting('knownProfiles', 'KNOWN_PROFILES', 'comma-separated OCRProfile names; others fail RobotProfileNotFound', profiles, null),
  setting('journalLimit', 'JOURNAL_LIMIT', 'requests journaled, all namespaces together (past it, journals over their fair share drop their oldest; about 0.5 kB each)', int(0, 100_000), 10_000),
  setting('maxConnections', 'MAX_CONNECTIONS', 'concurrent connections accepted', int(1, 100_000), 1024),
  setting('requestTimeoutMs', 'REQUEST_TIMEOUT_MS', 'time allowed to receive a whole request', int(1000, 3_600_000), 30_000),
  setting('headersTimeoutMs', 'HEADERS_TIMEOUT_MS', 'time allowed to receive request headers', int(1000, 3_600_000), 10_000),
  setting('shutdownGraceMs', 'SHUTDOWN_GRACE_MS', 'time in-flight requests get at shutdown', int(0, 60_000), 3000),
  setting('corsOrigin', 'ADMIN_CORS_ORIGIN', 'origin allowed to call /__admin from a browser', text, null),
  setting('maxNamespaces', 'MAX_NAMESPACES', 'namespaces held besides the default one (more are refused)', int(0, 100_000), 1000),
  setting('namespaceIdleMs', 'NAMESPACE_IDLE_MS', 'drop a namespace unused this long, with its batches (0: never)', int(0, TEN_YEARS_MS), 0),
  setting(
    'customErrors',
    'CUSTOM_ERRORS',
    'On: errors as a remote caller of ASMX sees them; Off: with .NET exception types and stack traces',
    customErrors,
    'On',
  ),
  setting('maxWaiters', 'MAX_WAITERS', 'open long-poll waits (admin wait routes), all namespaces together (each holds a connection)', int(0, 100_000), 500),
  setting('metrics', 'METRICS', 'count requests, batches, rules and faults for /__admin/metrics (Prometheus)', bool, true),
  setting('waitTimeoutMaxMs', 'WAIT_TIMEOUT_MAX_MS', 'longest timeoutMs a wait may ask for (real time)', int(1000, 86_400_000), 300_000),
] as const;

const flagOf = (env: string) => '--' + env.toLowerCase().replace(/_/g, '-');

export function usage(): string {
  return SETTINGS.map((s) => `  ${flagOf(s.env).padEnd(26)} ${s.env.padEnd(22)} ${s.help}`).join('\n');
}

/**
 * Reads `--flag value` / `--flag=value` pairs (node:util parseArgs, strict); flags win over the environment.
 * An unknown flag (with the nearest one suggested), a flag without a value or a stray argument is a ConfigError.
 */
export function parseFlags(argv: string[]): Record<string, string> {
  // The usual start has no flags: parseArgs (a node module to load) is skipped.
  if (argv.length === 0) return {};
  const envOf = new Map(SETTINGS.map((s) => [flagOf(s.env).slice(2), s.env]));
  const options: Record<string, { type: 'string' }> = {};
  for (const name of envOf.keys()) options[name] = { type: 'string' };
  // A lenient pass first, to name the offending argument the way the user typed it.
  for (const t of parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens) {
    if (t.kind === 'positional') throw new ConfigError(`unexpected argument '${t.value}' (server options are --name value; see --help)`);
    if (t.kind !== 'option') continue;
    if (!envOf.has(t.name)) {
      const near = t.rawName.startsWith('--') ? closest(t.name, [...envOf.keys()]) : undefined;
      throw new ConfigError(`unknown option ${t.rawName} ${near ? `(did you mean --${near}?)` : '(see --help)'}`);
    }
    if (t.value === undefined) throw new ConfigError(`option ${t.rawName} needs a value`);
    if (!t.inlineValue && t.value.startsWith('-')) {
      throw new ConfigError(
        `option ${t.rawName} needs a value` + (t.value.startsWith('--') ? '' : ` (write ${t.rawName}=${t.value} if '${t.value}' is the value)`),
      );
    }
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]!);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') out[envOf.get(name)!] = value;
  return out;
}

export function loadConfig(env: Record<string, string | undefined>, argv: string[] = []): Config {
  const merged = { ...env, ...parseFlags(argv) };
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const s of SETTINGS) {
    const raw = merged[s.env];
    config[s.key] = raw === undefined || raw === '' ? s.default : (s.parse as (r: string, n: string) => unknown)(raw, s.env);
  }
  if (config['fixturesWatch'] === true && config['fixturesDir'] === 'none') throw new ConfigError('FIXTURES_WATCH=true needs fixtures to watch, but FIXTURES_DIR is none');
  return config as Config;
}
