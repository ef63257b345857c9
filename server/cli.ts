#!/usr/bin/env node
// cora-ocr-mock: starts the mock (`serve`, the default) or drives a running one over its admin API.
import { AdminClient, AdminError, BatchJson } from './client';
import { ERROR_CODES, ErrorCode, STATUSES, Status } from './batches/model';
import { serve } from './main';
import type { RuleInput } from './rules/model';
import fs from 'node:fs';

const HELP = `Usage: cora-ocr-mock [command] [options]

Start the mock:
  cora-ocr-mock [serve] [server options]     (cora-ocr-mock serve --help lists them)

Drive a running mock (options: --url URL, default $CORA_MOCK_URL or http://127.0.0.1:8080;
--token TOKEN, default $ADMIN_TOKEN; --json for machine-readable output):
  batches list [--status STATUS] [--limit N] [--after ID]
  batches get ID
  batches create [--id ID] [--file-name NAME] [--external-context TEXT] [--time-out SECONDS]
                 [--ocr-profile NAME] [--status STATUS [--error-code CODE]] [--hold STAGE]
  batches set ID STATUS [ERROR_CODE]
  batches delete ID
  rules list
  rules add JSON | rules add --file rule.json
  rules delete ID | rules delete --all
  clock [get] | clock freeze | clock advance DURATION (ms, or 5s, 2m, 1h) | clock set ISO_TIME | clock resume
  requests [--operation OP] [--batch-id ID] [--since TIME] [--rule ID] [--protocol P] [--limit N]
  requests count [same filters] | requests clear
  reset [--keep-batches]
  health
`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Record<string, string | true>;
}

function parseArgs(argv: string[], booleans: string[]): Parsed {
  const out: Parsed = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) out.flags[name] = a.slice(eq + 1);
      else if (booleans.includes(name)) out.flags[name] = true;
      else {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        out.flags[name] = v;
      }
    } else out.positional.push(a);
  }
  return out;
}

export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`'${s}' is not a duration (e.g. 500, 5s, 2m, 1h)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms'];
}

const str = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

function checkStatus(s: string): Status {
  if (!(STATUSES as readonly string[]).includes(s)) throw new UsageError(`'${s}' is not a status (${STATUSES.join(', ')})`);
  return s as Status;
}

function checkCode(s: string): ErrorCode {
  if (!(ERROR_CODES as readonly string[]).includes(s)) throw new UsageError(`'${s}' is not an error code (${ERROR_CODES.join(', ')})`);
  return s as ErrorCode;
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

async function drive(cmd: string, argv: string[]): Promise<string> {
  const p = parseArgs(argv, ['json', 'keep-batches', 'all']);
  const url = str(p.flags['url']) ?? process.env['CORA_MOCK_URL'] ?? 'http://127.0.0.1:8080';
  const token = str(p.flags['token']) ?? process.env['ADMIN_TOKEN'];
  const client = new AdminClient({ url, token });
  const asJson = p.flags['json'] === true;
  const out = (value: unknown, human: () => string) => (asJson ? JSON.stringify(value, null, 2) : human());
  const [sub, ...args] = p.positional;

  switch (cmd) {
    case 'health': {
      const h = await client.health();
      return out(h, () => `${h.status}: store ${h.store}, WSDL ${h.wsdl}, ${h.batches} batches`);
    }
    case 'batches':
      switch (sub ?? 'list') {
        case 'list': {
          const r = await client.listBatches({
            status: p.flags['status'] ? checkStatus(str(p.flags['status'])!) : undefined,
            limit: p.flags['limit'] ? Number(p.flags['limit']) : undefined,
            after: str(p.flags['after']),
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
          const f = p.flags;
          const b = await client.createBatch({
            ...(f['id'] ? { id: str(f['id'])! } : {}),
            ...(f['file-name'] ? { inputFile: { connection: 'OcrShare', relativeLocation: 'in', fileName: str(f['file-name'])! } } : {}),
            ...(f['external-context'] ? { externalContext: str(f['external-context'])! } : {}),
            ...(f['time-out'] ? { timeOut: Number(f['time-out']) } : {}),
            ...(f['ocr-profile'] ? { ocrProfile: str(f['ocr-profile'])! } : {}),
            ...(f['status'] ? { status: checkStatus(str(f['status'])!) as never } : {}),
            ...(f['error-code'] ? { errorCode: checkCode(str(f['error-code'])!) } : {}),
            ...(f['hold'] ? { hold: str(f['hold']) as never } : {}),
          });
          return out(b, () => `created batch ${b.id}: ${b.status}`);
        }
        case 'set': {
          const id = need(args[0], 'batch id');
          const status = checkStatus(need(args[1], 'status'));
          const b = await client.setBatchStatus(id, status as Exclude<Status, 'NotFound'>, args[2] ? checkCode(args[2]) : undefined);
          return out(b, () => `batch ${b.id}: ${b.status} (${b.errorCode})`);
        }
        case 'delete': {
          const id = need(args[0], 'batch id');
          await client.deleteBatch(id);
          return out({ deleted: id }, () => `deleted batch ${id}`);
        }
      }
      throw new UsageError(`unknown command: batches ${sub}`);
    case 'rules':
      switch (sub ?? 'list') {
        case 'list': {
          const r = await client.listRules();
          return out(r, () =>
            r.items.length === 0
              ? 'no rules'
              : table([
                  ['ID', 'EFFECT', 'MATCH', 'MATCHED', 'FIRED', 'SOURCE'],
                  ...r.items.map((x) => [
                    x.id,
                    x.fault ? `fault:${x.fault.type}` : x.outcome ? `${x.outcome.status}/${x.outcome.errorCode}@${x.outcome.at}` : x.hold ? `hold:${x.hold}` : 'timings',
                    JSON.stringify(x.match),
                    String(x.matched),
                    String(x.fired) + (x.times !== undefined ? `/${x.times}` : ''),
                    x.source,
                  ]),
                ]),
          );
        }
        case 'add': {
          const file = str(p.flags['file']);
          const text = file ? fs.readFileSync(file, 'utf8') : need(args[0], 'rule JSON (or --file)');
          let rule: RuleInput;
          try {
            rule = JSON.parse(text) as RuleInput;
          } catch (err) {
            throw new UsageError(`the rule is not valid JSON: ${(err as Error).message}`);
          }
          const r = await client.addRule(rule);
          return out(r, () => `added rule ${r.id}`);
        }
        case 'delete': {
          if (p.flags['all'] === true) {
            await client.deleteAllRules();
            return out({ deleted: 'all' }, () => 'deleted all rules');
          }
          const id = need(args[0], 'rule id (or --all)');
          await client.deleteRule(id);
          return out({ deleted: id }, () => `deleted rule ${id}`);
        }
      }
      throw new UsageError(`unknown command: rules ${sub}`);
    case 'clock': {
      const show = (c: { now: string; frozen: boolean; offsetMs: number }) =>
        out(c, () => `${c.now} (${c.frozen ? 'frozen' : 'running'}, ${c.offsetMs >= 0 ? '+' : ''}${c.offsetMs} ms from real time)`);
      switch (sub ?? 'get') {
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
      throw new UsageError(`unknown command: clock ${sub}`);
    }
    case 'requests': {
      const filter = {
        operation: str(p.flags['operation']) as never,
        batchId: str(p.flags['batch-id']),
        since: str(p.flags['since']),
        rule: str(p.flags['rule']),
        protocol: str(p.flags['protocol']) as never,
      };
      if (sub === 'count') {
        const n = await client.countRequests(filter);
        return out({ count: n }, () => String(n));
      }
      if (sub === 'clear') {
        await client.clearRequests();
        return out({ cleared: true }, () => 'journal cleared');
      }
      if (sub !== undefined) throw new UsageError(`unknown command: requests ${sub}`);
      const r = await client.requests({ ...filter, limit: p.flags['limit'] ? Number(p.flags['limit']) : undefined });
      return out(r, () =>
        r.items.length === 0
          ? 'no requests'
          : table([
              ['SEQ', 'TIME', 'PROTOCOL', 'OPERATION', 'BATCH', 'HTTP', 'RESULT', 'RULES'],
              ...r.items.map((e) => [String(e.seq), e.time, e.protocol ?? '-', e.operation ?? '-', e.batchId ?? '-', String(e.httpStatus), e.summary + (e.transportFault ? ` [${e.transportFault}]` : ''), e.ruleIds.join(',')]),
            ]),
      );
    }
    case 'reset': {
      const r = await client.reset({ keepBatches: p.flags['keep-batches'] === true });
      return out(r, () => `reset${r.keepBatches ? ' (batches kept)' : ''}; fixtures: ${r.fixtures.join(', ') || 'none'}`);
    }
  }
  throw new UsageError(`unknown command ${cmd}`);
}

const ADMIN_COMMANDS = ['batches', 'rules', 'clock', 'requests', 'reset', 'health'];

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || (first === '--help' && argv.length === 1) || first === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === undefined || first === 'serve' || first.startsWith('--')) {
    await serve(first === 'serve' ? rest : argv);
    return -1; // keeps running
  }
  if (!ADMIN_COMMANDS.includes(first)) {
    process.stderr.write(`cora-ocr-mock: unknown command '${first}'\n\n${HELP}`);
    return 2;
  }
  try {
    process.stdout.write((await drive(first, rest)) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cora-ocr-mock: ${err.message}\n`);
      return 2;
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
