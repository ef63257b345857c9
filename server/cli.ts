#!/usr/bin/env node
// cora-ocr-mock: starts the mock (`serve`, the default) or drives a running one over its admin API.
// An admin command loads only this file, client.ts, batches/model.ts, args.ts and node built-ins.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { closest } from './args';
import { ERROR_CODES, STAGES, STATUSES } from './batches/model';
import type { Status } from './batches/model';
import { AdminClient, AdminError } from './client';
import type { BatchJson, FetchLike, JournalEntry, VerifyRequest } from './client';
import type { RuleInput } from './rules/model';

const HELP = `Usage: cora-ocr-mock [command] [options]

Start the mock:
  cora-ocr-mock [serve] [server options]     (cora-ocr-mock serve --help lists them)

Drive a running mock (options: --url URL, default $CORA_MOCK_URL or http://127.0.0.1:8080;
--token TOKEN, default $ADMIN_TOKEN; --namespace NAME, default $CORA_MOCK_NAMESPACE or the default
namespace; --json for machine-readable output):
  batches list [--status STATUS] [--limit N] [--after ID]
  batches get ID
  batches create [--id ID] [--file-name NAME] [--external-context TEXT] [--time-out SECONDS]
                 [--ocr-profile NAME] [--status STATUS [--error-code CODE]] [--hold STAGE]
  batches set ID STATUS [ERROR_CODE]
  batches delete ID
  batches wait ID STATUS... [--timeout DURATION]   (waits until the batch is in one of the statuses)
  rules list
  rules add JSON | rules add --file rule.json
  rules delete ID | rules delete --all [--include-fixtures]   (--all keeps the fixtures' rules unless asked)
  clock [get] | clock freeze | clock advance DURATION (ms, or 5s, 2m, 1h) | clock set ISO_TIME | clock resume
  requests [--operation OP] [--batch-id ID] [--since TIME] [--rule ID] [--protocol P] [--limit N]
  requests count [same filters] | requests clear
  requests wait [same filters] [--count N] [--timeout DURATION]   (until N matching requests came)
  requests verify [same filters] (--exactly N | --at-least N | --at-most N | --never | --sequence A,B,...)
  requests explain SEQ                                  (how every rule fared against that request)
  reset [--keep-batches] [--all-namespaces]
  fixtures reload                            (FIXTURES_DIR read anew and applied, no reset)
  fixtures lint [DIR]                        (checks fixture files offline, as start-up would:
                                              DIR default $FIXTURES_DIR or ./fixtures)
  namespaces [list] | namespaces get NAME | namespaces delete NAME
  namespaces create NAME [--match JSON] [--fixture FILE]
  health

Exit codes: 0 done (a wait reached, a verification passed); 1 the mock refused the call or did not
answer, or fixtures lint found problems (each printed); 2 a usage error; 3 a wait timed out or a
verification failed (the reason is printed).
`;

class UsageError extends Error {}

/** Fixture lint found problems: they are printed on stdout (one per line), exit code 1. */
class LintFailed extends Error {
  constructor(readonly output: string) {
    super(output);
  }
}

/** A wait that timed out or a verification that failed: printed on stdout, exit code 3. */
class NotSatisfied extends Error {
  constructor(readonly output: string) {
    super(output);
  }
}

/** What a timed-out wait answered (408), as NotSatisfied; any other refusal as it was. */
function unlessTimedOut(err: unknown, asJson: boolean): never {
  if (err instanceof AdminError && err.status === 408) {
    throw new NotSatisfied(asJson ? JSON.stringify(err.problem, null, 2) : `timed out: ${err.problem?.detail ?? ''}`);
  }
  throw err;
}

// --- the command line: every command's options and arguments, parsed with node:util parseArgs (strict)

type OptionType = 'string' | 'boolean';

interface CommandSpec {
  /** Shown when there are too many arguments. */
  usage: string;
  options: Record<string, OptionType>;
  maxArgs: number;
}

/** Options every admin command takes, before or after the command. */
const GLOBAL_OPTIONS: Record<string, OptionType> = { url: 'string', token: 'string', namespace: 'string', json: 'boolean' };
const FILTERS: Record<string, OptionType> = { operation: 'string', 'batch-id': 'string', since: 'string', rule: 'string', protocol: 'string' };

/** Sub-commands by name; '' is a command without sub-commands (or, for requests, the listing). */
const COMMANDS: Record<string, { default: string; subs: Record<string, CommandSpec> }> = {
  health: { default: '', subs: { '': { usage: 'health', options: {}, maxArgs: 0 } } },
  batches: {
    default: 'list',
    subs: {
      list: { usage: 'batches list [--status STATUS] [--limit N] [--after ID]', options: { status: 'string', limit: 'string', after: 'string' }, maxArgs: 0 },
      get: { usage: 'batches get ID', options: {}, maxArgs: 1 },
      create: {
        usage: 'batches create [options]',
        options: {
          id: 'string',
          'file-name': 'string',
          'external-context': 'string',
          'time-out': 'string',
          'ocr-profile': 'string',
          status: 'string',
          'error-code': 'string',
          hold: 'string',
        },
        maxArgs: 0,
      },
      set: { usage: 'batches set ID STATUS [ERROR_CODE]', options: {}, maxArgs: 3 },
      delete: { usage: 'batches delete ID', options: {}, maxArgs: 1 },
      wait: { usage: 'batches wait ID STATUS... [--timeout DURATION]', options: { timeout: 'string' }, maxArgs: 7 },
    },
  },
  rules: {
    default: 'list',
    subs: {
      list: { usage: 'rules list', options: {}, maxArgs: 0 },
      add: { usage: 'rules add JSON | rules add --file rule.json', options: { file: 'string' }, maxArgs: 1 },
      delete: { usage: 'rules delete ID | rules delete --all [--include-fixtures]', options: { all: 'boolean', 'include-fixtures': 'boolean' }, maxArgs: 1 },
    },
  },
  clock: {
    default: 'get',
    subs: {
      get: { usage: 'clock get', options: {}, maxArgs: 0 },
      freeze: { usage: 'clock freeze', options: {}, maxArgs: 0 },
      advance: { usage: 'clock advance DURATION', options: {}, maxArgs: 1 },
      set: { usage: 'clock set ISO_TIME', options: {}, maxArgs: 1 },
      resume: { usage: 'clock resume', options: {}, maxArgs: 0 },
    },
  },
  requests: {
    default: '',
    subs: {
      '': { usage: 'requests [filters] [--limit N]', options: { ...FILTERS, limit: 'string' }, maxArgs: 0 },
      count: { usage: 'requests count [filters]', options: FILTERS, maxArgs: 0 },
      clear: { usage: 'requests clear', options: {}, maxArgs: 0 },
      wait: { usage: 'requests wait [filters] [--count N] [--timeout DURATION]', options: { ...FILTERS, count: 'string', timeout: 'string' }, maxArgs: 0 },
      verify: {
        usage: 'requests verify [filters] (--exactly N | --at-least N | --at-most N | --never | --sequence A,B,...)',
        options: { ...FILTERS, exactly: 'string', 'at-least': 'string', 'at-most': 'string', never: 'boolean', sequence: 'string' },
        maxArgs: 0,
      },
      explain: { usage: 'requests explain SEQ', options: {}, maxArgs: 1 },
    },
  },
  fixtures: {
    default: '',
    subs: {
      reload: { usage: 'fixtures reload', options: {}, maxArgs: 0 },
      lint: { usage: 'fixtures lint [DIR]', options: {}, maxArgs: 1 },
    },
  },
  reset: { default: '', subs: { '': { usage: 'reset [--keep-batches] [--all-namespaces]', options: { 'keep-batches': 'boolean', 'all-namespaces': 'boolean' }, maxArgs: 0 } } },
  namespaces: {
    default: 'list',
    subs: {
      list: { usage: 'namespaces list', options: {}, maxArgs: 0 },
      get: { usage: 'namespaces get NAME', options: {}, maxArgs: 1 },
      create: { usage: 'namespaces create NAME [--match JSON] [--fixture FILE]', options: { match: 'string', fixture: 'string' }, maxArgs: 1 },
      delete: { usage: 'namespaces delete NAME', options: {}, maxArgs: 1 },
    },
  },
};

const isCommand = (word: string | undefined): word is string => word !== undefined && Object.hasOwn(COMMANDS, word);

interface Invocation {
  cmd: string;
  sub: string;
  values: Record<string, string | boolean | undefined>;
  args: string[];
}

type Token =
  | { kind: 'option'; index: number; name: string; rawName: string; value: string | undefined; inlineValue: boolean | undefined }
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option-terminator'; index: number };

function parseOptions(options: Record<string, OptionType>): Record<string, { type: OptionType; short?: string }> {
  const out: Record<string, { type: OptionType; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, type] of Object.entries(options)) out[name] = { type };
  return out;
}

/** The lenient parse: how the words split into options and arguments, mistakes included. */
function tokenize(args: string[], options: Record<string, OptionType>): Token[] {
  return parseArgs({ args, options: parseOptions(options), strict: false, allowPositionals: true, tokens: true }).tokens as Token[];
}

function unknownOption(t: Token & { kind: 'option' }, where: string, options: Record<string, OptionType>): UsageError {
  const valid = Object.keys(options);
  const near = t.rawName.startsWith('--') ? closest(t.name, valid) : undefined;
  return new UsageError(
    `unknown option ${t.rawName} for '${where}' ` + (near ? `(did you mean --${near}?)` : `(valid options: ${valid.map((o) => '--' + o).join(', ')})`),
  );
}

/** One clear line for the first option that strict parsing would refuse. */
function checkOptions(tokens: Token[], where: string, options: Record<string, OptionType>): void {
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === 'help') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (type === undefined) throw unknownOption(t, where, options);
    if (type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`option ${t.rawName} takes no value`);
    } else if (t.value === undefined || t.value === '') {
      throw new UsageError(`option ${t.rawName} needs a value`);
    } else if (!t.inlineValue && t.value.startsWith('-') && t.value !== '-') {
      throw new UsageError(
        `option ${t.rawName} needs a value` + (t.value.startsWith('--') ? '' : ` (write ${t.rawName}=${t.value} if '${t.value}' is the value)`),
      );
    }
  }
}

/** Splits an admin command's words (the command itself removed) into sub-command, options and arguments. */
function parseCommand(cmd: string, argv: string[]): Invocation | 'help' {
  const group = COMMANDS[cmd]!;
  const subNames = Object.keys(group.subs).filter((s) => s !== '');
  const all: Record<string, OptionType> = { ...GLOBAL_OPTIONS };
  for (const spec of Object.values(group.subs)) Object.assign(all, spec.options);
  const tokens = tokenize(argv, all);
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return 'help';

  let sub = group.default;
  let rest = argv;
  const first = tokens.find((t) => t.kind === 'positional');
  if (subNames.length > 0 && first?.kind === 'positional') {
    if (!subNames.includes(first.value)) {
      // `batches --stauts Failed`: the unknown option is the mistake, not the command "Failed".
      const earlier = tokens.find((t) => t.kind === 'option' && t.index < first.index && !Object.hasOwn(all, t.name));
      if (earlier?.kind === 'option') throw unknownOption(earlier, cmd, all);
      const near = closest(first.value, subNames);
      throw new UsageError(
        `unknown command: ${cmd} ${first.value} ` + (near ? `(did you mean '${cmd} ${near}'?)` : `(${cmd} commands: ${subNames.join(', ')})`),
      );
    }
    sub = first.value;
    rest = argv.filter((_, i) => i !== first.index);
  }

  const spec = group.subs[sub]!;
  const where = sub ? `${cmd} ${sub}` : cmd;
  const options = { ...spec.options, ...GLOBAL_OPTIONS };
  checkOptions(tokenize(rest, options), where, options);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: parseOptions(options), strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (${where})`);
  }
  if (parsed.positionals.length > spec.maxArgs) {
    throw new UsageError(`unexpected argument '${parsed.positionals[spec.maxArgs]}' for '${where}' (usage: ${spec.usage})`);
  }
  return { cmd, sub, values: parsed.values, args: parsed.positionals };
}

/** Options before a command that take no value; every other `--name` there (--url, --token, the server's flags) takes one. */
const VALUELESS = new Set(['--json', '--help', '-h']);

/** Where the command is: the first word that is neither an option nor an option's value (-1: none). */
function commandIndex(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (a.startsWith('-') && a !== '-' && !a.includes('=') && !VALUELESS.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') return i;
  }
  return -1;
}

export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`'${s}' is not a duration (e.g. 500, 5s, 2m, 1h)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'];
}

/** A file's text; a file that cannot be read is a usage error, named. */
function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/** A check that a value is one of `choices`: `'Done' is not a status (Queued, ...)`. */
function oneOf<T extends string>(what: string, choices: readonly T[]) {
  return (s: string): T => {
    if (!(choices as readonly string[]).includes(s)) throw new UsageError(`'${s}' is not ${what} (${choices.join(', ')})`);
    return s as T;
  };
}
const checkStatus = oneOf('a status', STATUSES);
/** The statuses a batch can be given (NotFound is no state a batch can be in). */
const checkForcedStatus = oneOf('a status', STATUSES.filter((s): s is Exclude<Status, 'NotFound'> => s !== 'NotFound'));
const checkCode = oneOf('an error code', ERROR_CODES);
const checkStage = oneOf('a stage', STAGES);
const checkOperation = oneOf('an operation', ['FileBatch', 'GetStatus'] as const);
const checkProtocol = oneOf('a protocol', ['soap11', 'soap12', 'httpget', 'httppost'] as const);

function nonNegativeInt(option: string, s: string): number {
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`invalid ${option}: '${s}' is not a whole number`);
  return Number(s);
}

function timeoutOption(s: string): number {
  try {
    return parseDuration(s);
  } catch {
    throw new UsageError(`invalid --timeout: '${s}' is not a duration (e.g. 500, 5s, 2m, 1h)`);
  }
}

/** `Completed,Failed` or `Completed Failed`: statuses a batch can be in. */
function statusArgs(words: string[]): Status[] {
  const list = words.flatMap((w) => w.split(',')).filter((w) => w !== '');
  if (list.length === 0) throw new UsageError('missing status (batches wait ID STATUS...)');
  return list.map((w) => {
    const s = checkStatus(w);
    if (s === 'NotFound') throw new UsageError("'NotFound' is no status a batch can be in");
    return s;
  });
}

function positiveInt(option: string, s: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new UsageError(`invalid ${option}: '${s}' is not a positive integer`);
  return Number(s);
}

function timeOut(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 2147483647) throw new UsageError(`invalid --time-out: '${s}' is not a whole number of seconds (0 to 2147483647)`);
  return Number(s);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

function batchLine(b: BatchJson): string[] {
  return [b.id, b.status, b.errorCode, b.inputFile?.fileName ?? '', b.externalContext ?? '', b.since];
}

function describeBatch(b: BatchJson): string {
  const lines = [
    `batch ${b.id}: ${b.status} (${b.errorCode}) since ${b.since}`,
    `  created    ${b.createdAt}   TimeOut ${b.timeOut}   OCRProfile ${b.ocrProfile}   PutModel ${b.putModel}`,
    `  input      ${b.inputFile ? `${b.inputFile.connection ?? ''}:${b.inputFile.relativeLocation ?? ''}/${b.inputFile.fileName ?? ''}` : '-'}`,
    `  output     ${b.outputFile ? `${b.outputFile.connection ?? ''}:${b.outputFile.relativeLocation ?? ''}/${b.outputFile.fileName ?? ''}` : '-'}`,
    `  context    ${b.externalContext ?? '-'}`,
    `  plan       queued ${b.plan.queuedMs} ms, processing ${b.plan.processingInputMs} ms, waiting ${b.plan.waitingForOutputMs} ms, timeout ${b.plan.timeoutMs} ms` +
      (b.plan.outcome ? `, then ${b.plan.outcome.status}/${b.plan.outcome.errorCode} at ${b.plan.outcome.at}` : '') +
      (b.plan.hold ? `, held in ${b.plan.hold}` : ''),
  ];
  if (b.forced) lines.push(`  forced     ${b.forced.status}/${b.forced.errorCode} at ${b.forced.at}`);
  if (b.history?.length) {
    lines.push('  history');
    for (const h of b.history) lines.push(`    ${h.at}  ${h.status}/${h.errorCode}  (${h.source})`);
  }
  return lines.join('\n');
}

async function drive({ cmd, sub, values, args }: Invocation): Promise<string> {
  /** A string option's value (parseArgs has checked the type; checkOptions that it is not empty). */
  const opt = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const url = opt('url') ?? process.env['CORA_MOCK_URL'] ?? 'http://127.0.0.1:8080';
  const token = opt('token') ?? process.env['ADMIN_TOKEN'];
  const namespace = opt('namespace') ?? (process.env['CORA_MOCK_NAMESPACE'] || undefined);
  const client = new AdminClient({ url, token, namespace, fetch: httpFetch });
  const asJson = values['json'] === true;
  const out = (value: unknown, human: () => string) => (asJson ? JSON.stringify(value, null, 2) : human());
  const optional = <T>(name: string, check: (s: string) => T): T | undefined => {
    const v = opt(name);
    return v === undefined ? undefined : check(v);
  };

  switch (cmd) {
    case 'health': {
      const h = await client.health();
      return out(h, () => `${h.status}: store ${h.store}, WSDL ${h.wsdl}, ${h.batches} batches`);
    }
    case 'batches':
      switch (sub) {
        case 'list': {
          const r = await client.listBatches({
            status: optional('status', checkStatus),
            limit: optional('limit', (s) => positiveInt('--limit', s)),
            after: opt('after'),
          });
          return out(r, () =>
            r.items.length === 0
              ? 'no batches'
              : table([['ID', 'STATUS', 'ERROR', 'FILE', 'CONTEXT', 'SINCE'], ...r.items.map(batchLine)]) +
                (r.next ? `\n(more: --after ${r.next})` : ''),
          );
        }
        case 'get': {
          const b = await client.getBatch(need(args[0], 'batch id'));
          return out(b, () => describeBatch(b));
        }
        case 'create': {
          const id = opt('id');
          const fileName = opt('file-name');
          const externalContext = opt('external-context');
          const time = optional('time-out', timeOut);
          const ocrProfile = opt('ocr-profile');
          const status = optional('status', checkForcedStatus);
          const errorCode = optional('error-code', checkCode);
          const hold = optional('hold', checkStage);
          const b = await client.createBatch({
            ...(id !== undefined ? { id } : {}),
            ...(fileName !== undefined ? { inputFile: { connection: 'OcrShare', relativeLocation: 'in', fileName } } : {}),
            ...(externalContext !== undefined ? { externalContext } : {}),
            ...(time !== undefined ? { timeOut: time } : {}),
            ...(ocrProfile !== undefined ? { ocrProfile } : {}),
            ...(status !== undefined ? { status } : {}),
            ...(errorCode !== undefined ? { errorCode } : {}),
            ...(hold !== undefined ? { hold } : {}),
          });
          return out(b, () => `created batch ${b.id}: ${b.status}`);
        }
        case 'set': {
          const id = need(args[0], 'batch id');
          const status = checkForcedStatus(need(args[1], 'status'));
          const b = await client.setBatchStatus(id, status, args[2] ? checkCode(args[2]) : undefined);
          return out(b, () => `batch ${b.id}: ${b.status} (${b.errorCode})`);
        }
        case 'delete': {
          const id = need(args[0], 'batch id');
          await client.deleteBatch(id);
          return out({ deleted: id }, () => `deleted batch ${id}`);
        }
        case 'wait': {
          const id = need(args[0], 'batch id');
          const statuses = statusArgs(args.slice(1));
          const timeoutMs = optional('timeout', timeoutOption);
          const b = await client.waitForStatus(id, statuses, { timeoutMs }).catch((err: unknown) => unlessTimedOut(err, asJson));
          return out(b, () => `batch ${b.id}: ${b.status} (${b.errorCode}) since ${b.since}`);
        }
      }
      break;
    case 'rules':
      switch (sub) {
        case 'list': {
          const r = await client.listRules();
          return out(r, () =>
            r.items.length === 0
              ? 'no rules'
              : table([
                  ['ID', 'EFFECT', 'MATCH', 'MATCHED', 'FIRED', 'SOURCE'],
                  ...r.items.map((x) => [
                    x.id,
                    x.fault ? `fault:${x.fault.type}` : x.outcome ? `${x.outcome.status}/${x.outcome.errorCode}${x.outcome.at ? `@${x.outcome.at}` : ` during ${x.outcome.during}`}` : x.hold ? `hold:${x.hold}` : 'timings',
                    JSON.stringify(x.match),
                    String(x.matched),
                    String(x.fired) + (x.times !== undefined ? `/${x.times}` : ''),
                    x.source,
                  ]),
                ]),
          );
        }
        case 'add': {
          const file = opt('file');
          if (file !== undefined && args[0] !== undefined) throw new UsageError('give the rule as JSON or with --file, not both');
          const text = file ? readFile(file) : need(args[0], 'rule JSON (or --file)');
          const r = await client.addRule(parseJson(text, 'the rule') as RuleInput);
          return out(r, () => `added rule ${r.id}`);
        }
        case 'delete': {
          const includeFixtures = values['include-fixtures'] === true;
          if (values['all'] === true && args[0] !== undefined) throw new UsageError('give a rule id or --all, not both');
          if (includeFixtures && values['all'] !== true) throw new UsageError('--include-fixtures goes with --all');
          if (values['all'] === true) {
            const r = await client.deleteAllRules({ includeFixtures });
            return out(r, () =>
              `deleted ${r.deleted.length} rule${r.deleted.length === 1 ? '' : 's'}` +
              (r.kept.length ? `; kept the fixtures' rules ${r.kept.join(', ')} (--include-fixtures deletes them too)` : ''),
            );
          }
          const id = need(args[0], 'rule id (or --all)');
          await client.deleteRule(id);
          return out({ deleted: id }, () => `deleted rule ${id}`);
        }
      }
      break;
    case 'clock': {
      const show = (c: { now: string; frozen: boolean; offsetMs: number }) =>
        out(c, () => `${c.now} (${c.frozen ? 'frozen' : 'running'}, ${c.offsetMs >= 0 ? '+' : ''}${c.offsetMs} ms from real time)`);
      switch (sub) {
        case 'get':
          return show(await client.clock());
        case 'freeze':
          return show(await client.freezeClock());
        case 'advance':
          return show(await client.advanceClock(parseDuration(need(args[0], 'duration'))));
        case 'set':
          return show(await client.setClock(need(args[0], 'ISO time')));
        case 'resume':
          return show(await client.resumeClock());
      }
      break;
    }
    case 'requests': {
      const filter = {
        operation: optional('operation', checkOperation),
        batchId: opt('batch-id'),
        since: opt('since'),
        rule: opt('rule'),
        protocol: optional('protocol', checkProtocol),
      };
      if (sub === 'count') {
        const n = await client.countRequests(filter);
        return out({ count: n }, () => String(n));
      }
      if (sub === 'clear') {
        await client.clearRequests();
        return out({ cleared: true }, () => 'journal cleared');
      }
      const entries = (items: JournalEntry[]) =>
        items.length === 0
          ? 'no requests'
          : table([
              ['SEQ', 'TIME', 'PROTOCOL', 'OPERATION', 'BATCH', 'HTTP', 'RESULT', 'RULES'],
              ...items.map((e) => [String(e.seq), e.time, e.protocol ?? '-', e.operation ?? '-', e.batchId ?? '-', String(e.httpStatus), e.summary + (e.transportFault ? ` [${e.transportFault}]` : ''), e.ruleIds.join(',')]),
            ]);
      if (sub === 'wait') {
        const count = optional('count', (s) => positiveInt('--count', s));
        const timeoutMs = optional('timeout', timeoutOption);
        const r = await client.waitForRequests(filter, count, { timeoutMs }).catch((err: unknown) => unlessTimedOut(err, asJson));
        return out(r, () => entries(r.items));
      }
      if (sub === 'verify') {
        const checks = {
          exactly: optional('exactly', (s) => nonNegativeInt('--exactly', s)),
          atLeast: optional('at-least', (s) => nonNegativeInt('--at-least', s)),
          atMost: optional('at-most', (s) => nonNegativeInt('--at-most', s)),
        };
        const counts = Object.entries(checks).filter(([, v]) => v !== undefined);
        const sequence = optional('sequence', (s) => s.split(',').map((w) => w.trim()).filter((w) => w !== ''));
        const given = counts.length + (values['never'] === true ? 1 : 0) + (sequence ? 1 : 0);
        if (given > 1) throw new UsageError('give one of --exactly, --at-least, --at-most, --never and --sequence');
        if (sequence?.length === 0) throw new UsageError('--sequence needs operations or statuses, comma-separated');
        const match = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
        const r = await client.verify({
          match,
          ...(counts.length ? { count: Object.fromEntries(counts) } : {}),
          ...(values['never'] === true ? { never: true } : {}),
          ...(sequence ? { sequence } : {}),
        } as VerifyRequest);
        const text = out(r, () => r.message);
        if (!r.pass) throw new NotSatisfied(text);
        return text;
      }
      if (sub === 'explain') {
        const raw = need(args[0], 'journal seq');
        if (!/^[1-9]\d{0,14}$/.test(raw)) throw new UsageError(`'${raw}' is not a journal seq (a positive whole number)`);
        const e = await client.explain(Number(raw));
        return out(e, () =>
          [
            `request #${e.seq} at ${e.time}: ${e.method} ${e.path}`,
            `  ${e.protocol ?? '-'} ${e.operation ?? '(no operation)'}${e.batchId ? ` batch ${e.batchId}` : ''}: ${e.httpStatus} ${e.summary}`,
            e.rules.length === 0
              ? '  no rule was tried'
              : table([['RULE', 'MATCHED', 'FIRED', 'WHY'], ...e.rules.map((x) => [x.rule, x.matched ? 'yes' : 'no', x.fired ? 'yes' : 'no', x.text])])
                  .split('\n')
                  .map((l) => `  ${l}`)
                  .join('\n'),
          ].join('\n'),
        );
      }
      const r = await client.requests({ ...filter, limit: optional('limit', (s) => positiveInt('--limit', s)) });
      return out(r, () => entries(r.items));
    }
    case 'fixtures': {
      if (sub === 'reload') {
        const r = await client.reloadFixtures();
        return out(r, () => `reloaded fixtures: ${r.fixtures.join(', ') || 'none'} (${r.rules} rules, applied in ${r.namespaces} namespaces)`);
      }
      if (sub === 'lint') {
        const dir = args[0] ?? (process.env['FIXTURES_DIR'] || 'fixtures');
        if (dir === 'none') throw new UsageError('FIXTURES_DIR is none: name the folder to lint (fixtures lint DIR)');
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`cannot lint ${dir}: no such folder`);
        // Loaded only here: the checks need the schemas' validators and the rule engine.
        const { checkFixtures } = require('./control/fixtures') as typeof import('./control/fixtures');
        const { formatFixtureProblem } = require('./errors') as typeof import('./errors');
        const { set, problems } = checkFixtures(dir);
        if (problems.length) throw new LintFailed(out({ ok: false, problems }, () => problems.map(formatFixtureProblem).join('\n') + `\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dir}`));
        return out({ ok: true, files: set.files }, () => `${set.files.length} fixture file${set.files.length === 1 ? '' : 's'} in ${dir}: no problems` + (set.files.length ? ` (${set.files.join(', ')})` : ''));
      }
      break;
    }
    case 'reset': {
      const r = await client.reset({ keepBatches: values['keep-batches'] === true, allNamespaces: values['all-namespaces'] === true });
      return out(r, () =>
        `reset${r.namespace === 'default' ? '' : ` namespace ${r.namespace}`}${r.keepBatches ? ' (batches kept)' : ''}` +
        (r.droppedNamespaces !== undefined ? `; ${r.droppedNamespaces} other namespaces dropped` : '') +
        `; fixtures: ${r.fixtures.join(', ') || 'none'}`,
      );
    }
    case 'namespaces':
      switch (sub) {
        case 'list': {
          const r = await client.listNamespaces();
          return out(r, () =>
            table([
              ['NAME', 'BATCHES', 'RULES', 'REQUESTS', 'CLOCK', 'MATCH', 'LAST USED'],
              ...r.items.map((n) => [n.name, String(n.batches), String(n.rules), String(n.journal.size), n.clock.frozen ? `frozen ${n.clock.now}` : 'running', n.match ? JSON.stringify(n.match) : '', n.lastUsedAt]),
            ]) + `\n(${r.items.length - 1} of at most ${r.limit} namespaces besides the default one)`,
          );
        }
        case 'get': {
          const n = await client.getNamespace(need(args[0], 'namespace name'));
          return out(n, () => `namespace ${n.name}: ${n.batches} batches, ${n.rules} rules, ${n.journal.size} requests journaled, clock ${n.clock.now}${n.clock.frozen ? ' (frozen)' : ''}${n.match ? `, match ${JSON.stringify(n.match)}` : ''}`);
        }
        case 'create': {
          const name = need(args[0], 'namespace name');
          const match = optional('match', (text) => parseJson(text, '--match'));
          const fixture = optional('fixture', (file) => parseJson(readFile(file), `--fixture ${file}`));
          const n = await client.createNamespace({ name, ...(match ? { match } : {}), ...(fixture ? { fixture } : {}) } as Parameters<AdminClient['createNamespace']>[0]);
          return out(n, () => `created namespace ${n.name}`);
        }
        case 'delete': {
          const name = need(args[0], 'namespace name');
          await client.dropNamespace(name);
          return out({ deleted: name }, () => `dropped namespace ${name} and its batches`);
        }
      }
  }
  throw new Error(`no handler for '${cmd} ${sub}'`); // unreachable: parseCommand only returns commands of COMMANDS
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || (first === '--help' && argv.length === 1) || first === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  // Admin mode when the first word that is not an option (nor an option's value) is a command:
  // `cora-ocr-mock --url X clock freeze`, while `cora-ocr-mock --port 8081` still starts the server.
  const at = commandIndex(argv);
  if (isCommand(argv[at])) return admin(argv[at], [...argv.slice(0, at), ...argv.slice(at + 1)]);
  if (first !== 'serve' && argv.some((a) => /^--(url|token|namespace|json)(=|$)/.test(a))) {
    // Admin options without an admin command: not server flags, so say what is missing.
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    if (at < 0) {
      process.stderr.write('cora-ocr-mock: missing command (--url, --token and --json go with an admin command; see --help)\n');
      return 2;
    }
    return unknownCommand(argv[at]!);
  }
  if (first === undefined || first === 'serve' || first.startsWith('--')) {
    // Loaded only here: the server (SQLite, express, soap, pino) is too heavy for an admin call.
    const { serve } = require('./main') as typeof import('./main');
    await serve(first === 'serve' ? rest : argv);
    return -1; // keeps running
  }
  return unknownCommand(first);
}

function unknownCommand(word: string): number {
  const near = closest(word, Object.keys(COMMANDS));
  process.stderr.write(`cora-ocr-mock: unknown command '${word}'${near ? ` (did you mean '${near}'?)` : ''}\n\n${HELP}`);
  return 2;
}

/**
 * Enough of fetch for AdminClient (method, string headers, string body; status, ok, text()), over node:http.
 * The CLI gives it to AdminClient because Node's own fetch (undici) costs more CPU than the rest of the
 * command together: its bundle, then compiling its WebAssembly HTTP parser, about 250 ms per process.
 * Failures reject like fetch: a TypeError whose `cause` is the network error (ECONNREFUSED, ...).
 */
const httpFetch: FetchLike = (input, init) =>
  new Promise((resolve, reject) => {
    const fail = (cause: unknown) => reject(new TypeError('fetch failed', { cause }));
    let url: URL;
    try {
      url = new URL(input);
    } catch (err) {
      fail(err);
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      fail(Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_UNSUPPORTED_PROTOCOL' }));
      return;
    }
    const transport = (url.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:http');
    const req = transport.request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: status >= 200 && status <= 299, status, text: async () => body });
      });
    });
    req.on('error', fail);
    req.end(init.body);
  });

async function admin(cmd: string, argv: string[]): Promise<number> {
  try {
    const invocation = parseCommand(cmd, argv);
    if (invocation === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    process.stdout.write((await drive(invocation)) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cora-ocr-mock: ${err.message}\n`);
      return 2;
    }
    if (err instanceof NotSatisfied) {
      process.stdout.write(err.output + '\n');
      return 3;
    }
    if (err instanceof LintFailed) {
      process.stdout.write(err.output + '\n');
      return 1;
    }
    if (err instanceof AdminError) {
      process.stderr.write(`cora-ocr-mock: ${err.message}${err.problem?.pointer ? ` (at ${err.problem.pointer})` : ''}\n`);
      return 1;
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') {
      process.stderr.write('cora-ocr-mock: no mock answers at that --url (connection refused)\n');
      return 1;
    }
    if (cause) {
      process.stderr.write(`cora-ocr-mock: cannot reach the mock: ${cause.code ?? cause.message}\n`);
      return 1;
    }
    process.stderr.write(`cora-ocr-mock: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}
