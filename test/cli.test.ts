// The CLI's command line: strict options with suggestions (exit 2), global options anywhere, the serve/admin
// split, and an admin command that loads none of the server. Runs the built dist/server/cli.js as users do.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closest, editDistance } from '../server/args';
import { AdminClient } from '../server/client';
import { loadConfig, parseFlags } from '../server/config';
import { RunningMock, raw, startMock } from './support/mock';
import { runToExit } from './support/process';
import { waitFor } from './support/wait';

const CLI = path.resolve(__dirname, '../dist/server/cli.js');
const PRELOAD = path.resolve(__dirname, 'support/module-report.cjs');
const TOKEN = 'cli-test-token';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a CLI run: the caller's, minus any CORA_MOCK_URL/ADMIN_TOKEN of its own, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e['CORA_MOCK_URL'];
  delete e['ADMIN_TOKEN'];
  return { ...e, ...env };
}

/** Runs `node [nodeArgs] dist/server/cli.js args` and resolves when it has exited. */
function cli(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000); // a hung CLI fails the test instead of hanging it
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out, err });
    });
  });
}

const oneLine = (r: Run) => assert.equal(r.err.split('\n').length, 2, `one line on stderr, got:\n${r.err}`);

describe('the CLI against a running mock', () => {
  let mock: RunningMock;
  let admin: AdminClient;
  let env: Record<string, string>;
  before(async () => {
    mock = await startMock({ ADMIN_TOKEN: TOKEN });
    admin = new AdminClient({ url: mock.origin, token: TOKEN });
    env = { CORA_MOCK_URL: mock.origin, ADMIN_TOKEN: TOKEN };
  });
  after(() => mock.close());

  describe('usage errors: one line on stderr, exit 2, nothing sent', () => {
    const cases: [string[], RegExp][] = [
      // misspelled or unknown options, with the closest valid one (or the valid ones) named
      [['batches', 'list', '--stauts', 'Failed'], /^cora-ocr-mock: unknown option --stauts for 'batches list' \(did you mean --status\?\)$/],
      [['batches', 'create', '--filename', 'x'], /^cora-ocr-mock: unknown option --filename for 'batches create' \(did you mean --file-name\?\)$/],
      [['requests', 'count', '--batchid', '5'], /^cora-ocr-mock: unknown option --batchid for 'requests count' \(did you mean --batch-id\?\)$/],
      [['batches', '--stauts', 'Failed'], /^cora-ocr-mock: unknown option --stauts for 'batches' \(did you mean --status\?\)$/],
      [['clock', '--jsn'], /^cora-ocr-mock: unknown option --jsn for 'clock get' \(did you mean --json\?\)$/],
      [['batches', 'get', '5', '--status', 'Failed'], /^cora-ocr-mock: unknown option --status for 'batches get' \(valid options: --url, --token, --namespace, --json\)$/],
      [['requests', 'count', '--limit', '3'], /^cora-ocr-mock: unknown option --limit for 'requests count' \(valid options: --operation, /],
      [['reset', '-k'], /^cora-ocr-mock: unknown option -k for 'reset' \(valid options: --keep-batches, --all-namespaces, --url, --token, --namespace, --json\)$/],
      // missing or misplaced values
      [['batches', 'list', '--status'], /^cora-ocr-mock: option --status needs a value$/],
      [['batches', 'list', '--status', '--json'], /^cora-ocr-mock: option --status needs a value$/],
      [['batches', 'create', '--external-context', '-x'], /^cora-ocr-mock: option --external-context needs a value \(write --external-context=-x if '-x' is the value\)$/],
      [['batches', 'list', '--after='], /^cora-ocr-mock: option --after needs a value$/],
      [['clock', '--json=yes'], /^cora-ocr-mock: option --json takes no value$/],
      // extra arguments
      [['batches', 'get', '5', '6'], /^cora-ocr-mock: unexpected argument '6' for 'batches get' \(usage: batches get ID\)$/],
      [['clock', 'freeze', 'now'], /^cora-ocr-mock: unexpected argument 'now' for 'clock freeze' \(usage: clock freeze\)$/],
      [['health', 'extra'], /^cora-ocr-mock: unexpected argument 'extra' for 'health' \(usage: health\)$/],
      [['rules', 'delete', 'r1', '--all'], /^cora-ocr-mock: give a rule id or --all, not both$/],
      // bad values
      [['batches', 'list', '--limit', 'abc'], /^cora-ocr-mock: invalid --limit: 'abc' is not a positive integer$/],
      [['requests', '--limit', '0'], /^cora-ocr-mock: invalid --limit: '0' is not a positive integer$/],
      [['batches', 'create', '--time-out', 'x'], /^cora-ocr-mock: invalid --time-out: 'x' is not a whole number of seconds/],
      [['batches', 'create', '--hold', 'Bogus'], /^cora-ocr-mock: 'Bogus' is not a stage \(Queued, ProcessingInput, WaitingForOutput\)$/],
      [['batches', 'create', '--status', 'Done'], /^cora-ocr-mock: 'Done' is not a status \(/],
      [['batches', 'set', '5', 'NotFound'], /^cora-ocr-mock: 'NotFound' is not a status \(Queued, ProcessingInput, WaitingForOutput, Completed, Aborted, Failed\)$/],
      [['--namespace', 'w1', 'clock', '--namspace', 'w2'], /^cora-ocr-mock: unknown option --namspace for 'clock' \(did you mean --namespace\?\)$/],
      [['namespaces', 'create'], /^cora-ocr-mock: missing namespace name$/],
      [['requests', '--operation', 'filebatch'], /^cora-ocr-mock: 'filebatch' is not an operation \(FileBatch, GetStatus\)$/],
      [['clock', 'advance', 'soon'], /^cora-ocr-mock: 'soon' is not a duration/],
      // unknown sub-commands
      [['batches', 'lst'], /^cora-ocr-mock: unknown command: batches lst \(did you mean 'batches list'\?\)$/],
      [['requests', 'list'], /^cora-ocr-mock: unknown command: requests list \(requests commands: count, clear, wait, verify, explain\)$/],
      // waits and verification
      [['batches', 'wait', '5'], /^cora-ocr-mock: missing status \(batches wait ID STATUS\.\.\.\)$/],
      [['batches', 'wait', '5', 'Done'], /^cora-ocr-mock: 'Done' is not a status \(/],
      [['batches', 'wait', '5', 'NotFound'], /^cora-ocr-mock: 'NotFound' is no status a batch can be in$/],
      [['batches', 'wait', '5', 'Completed', '--timeout', 'soon'], /^cora-ocr-mock: invalid --timeout: 'soon' is not a duration/],
      [['requests', 'wait', '--count', '0'], /^cora-ocr-mock: invalid --count: '0' is not a positive integer$/],
      [['requests', 'verify', '--exactly', '1', '--never'], /^cora-ocr-mock: give one of --exactly, --at-least, --at-most, --never and --sequence$/],
      [['requests', 'verify', '--at-least', 'x'], /^cora-ocr-mock: invalid --at-least: 'x' is not a whole number$/],
      [['requests', 'explain', 'first'], /^cora-ocr-mock: 'first' is not a journal seq/],
    ];
    for (const [args, message] of cases) {
      it(args.join(' '), async () => {
        const r = await cli(args, env);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err.trimEnd(), message);
        oneLine(r);
        assert.equal(r.out, '');
      });
    }

    it('none of them reached the mock (no batch created, clock untouched)', async () => {
      assert.equal((await admin.listBatches()).stored, 0);
      assert.equal((await admin.clock()).frozen, false);
    });
  });

  describe('waits and verification: exit 0 when satisfied, 3 when not (a timeout, a failed check), 1 when refused', () => {
    const ns = 'waits-from-cli';
    const run = (args: string[]) => cli(['--namespace', ns, ...args], env);
    let a: AdminClient;
    before(async () => {
      a = admin.inNamespace(ns);
      await a.reset();
    });

    it('batches wait', async () => {
      await a.freezeClock();
      const b = await a.createBatch({});
      const now = await run(['batches', 'wait', b.id, 'Queued']);
      assert.deepEqual([now.code, now.out], [0, `batch ${b.id}: Queued (NoError) since ${b.since}\n`], now.err);
      const late = await run(['batches', 'wait', b.id, 'Completed', 'Failed', '--timeout', '50ms']);
      assert.equal(late.code, 3, late.err);
      assert.match(late.out, new RegExp(`^timed out: batch ${b.id} is Queued \\(NoError, since \\S+\\), not Completed or Failed, after waiting \\d+ ms\\n$`));
      const asJson = await run(['batches', 'wait', b.id, 'Completed', '--timeout', '0', '--json']);
      assert.equal(asJson.code, 3);
      assert.equal(JSON.parse(asJson.out).batch.status, 'Queued');
      // Answered when the clock moves it there, while the command waits.
      const waiting = run(['batches', 'wait', b.id, 'ProcessingInput,Completed', '--timeout', '20s']);
      await waitFor(async () => (await a.getNamespace(ns)).waiters === 1, { what: "the command's wait" });
      await a.advanceClock(2000);
      const moved = await waiting;
      assert.equal(moved.code, 0, moved.err);
      assert.match(moved.out, /^batch \d+: ProcessingInput \(NoError\)/);
      const missing = await run(['batches', 'wait', '424242', 'Completed']);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /^cora-ocr-mock: 404 Not Found: batch 424242 not found/);
    });

    it('requests wait, requests verify, requests explain', async () => {
      const b = await a.createBatch({});
      const none = await run(['requests', 'wait', '--operation', 'GetStatus', '--timeout', '20ms']);
      assert.equal(none.code, 3);
      assert.match(none.out, /^timed out: 0 of 1 requests matching operation=GetStatus after waiting \d+ ms\n$/);
      await raw(`${mock.origin}/ns/${ns}/SequenceServices/coraOcrIntegration_v1.0.0.asmx/GetStatus?MasterWorkflowInstanceId=${b.id}`);
      const one = await run(['requests', 'wait', '--operation', 'GetStatus', '--batch-id', b.id, '--count', '1']);
      assert.equal(one.code, 0, one.err);
      assert.match(one.out, new RegExp(`^SEQ .*\\n\\d+ .* httpget +GetStatus +${b.id} +200 +Queued`));

      const pass = await run(['requests', 'verify', '--operation', 'GetStatus', '--exactly', '1']);
      assert.deepEqual([pass.code, pass.out], [0, '1 request matching operation=GetStatus; expected exactly 1 request\n'], pass.err);
      const fail = await run(['requests', 'verify', '--protocol', 'soap12', '--at-least', '1']);
      assert.equal(fail.code, 3);
      assert.match(fail.out, /^expected at least 1 request matching protocol=soap12, but none matched; the journal holds 1 other request, the newest:\n  #\d+ httpget GetStatus/);
      assert.equal((await run(['requests', 'verify', '--operation', 'FileBatch', '--never'])).code, 0);
      const order = await run(['requests', 'verify', '--sequence', 'GetStatus,FileBatch', '--json']);
      assert.equal(order.code, 3);
      assert.equal(JSON.parse(order.out).pass, false);

      await a.addRule({ id: 'only-soap12', match: { protocol: 'soap12' }, fault: { type: 'reset' } });
      await raw(`${mock.origin}/ns/${ns}/SequenceServices/coraOcrIntegration_v1.0.0.asmx/GetStatus?MasterWorkflowInstanceId=${b.id}`);
      const seq = (await a.requests({ limit: 1 })).items[0]!.seq;
      const why = await run(['requests', 'explain', String(seq)]);
      assert.equal(why.code, 0, why.err);
      assert.match(why.out, new RegExp(`^request #${seq} at \\S+: GET /ns/${ns}/SequenceServices/\\S+\\n  httpget GetStatus batch ${b.id}: 200 Queued\\n  RULE +MATCHED +FIRED +WHY\\n  only-soap12 +no +no +protocol: expected soap12, was httpget\\n$`));
      assert.equal((await run(['requests', 'explain', '987654'])).code, 1);
    });
  });

  it('an unknown command exits 2 with a suggestion and the help', async () => {
    const r = await cli(['batchs', 'list'], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /^cora-ocr-mock: unknown command 'batchs' \(did you mean 'batches'\?\)\n\nUsage: cora-ocr-mock/);
  });

  it('--url, --token and --json work before and after the command, in both spellings', async () => {
    const url = mock.origin;
    const frozen = await cli(['--url', url, '--token', TOKEN, 'clock', 'freeze']);
    assert.equal(frozen.code, 0, frozen.err);
    assert.match(frozen.out, /^\S+Z \(frozen, /);
    const json = await cli(['--json', `--url=${url}`, 'clock', `--token=${TOKEN}`]);
    assert.equal(json.code, 0, json.err);
    assert.equal(JSON.parse(json.out).frozen, true);
    const resumed = await cli(['clock', 'resume', '--url', url, '--token', TOKEN, '--json']);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(JSON.parse(resumed.out).frozen, false);
    const created = await cli(['--token', TOKEN, 'batches', '--url', url, 'create', '--id', '77', '--file-name', 'a.pdf']);
    assert.equal(created.out, 'created batch 77: Queued\n');
    assert.match((await cli(['--url', url, '--token', TOKEN, 'batches', '--status', 'Queued'])).out, /^77\s+Queued\s+NoError\s+a\.pdf/m);
    await admin.deleteBatch('77');
  });

  it('--namespace (or CORA_MOCK_NAMESPACE) scopes a command; namespaces list, create, get, delete; reset --all-namespaces', async () => {
    const frozen = await cli(['--namespace', 'cli-a', 'clock', 'freeze'], env);
    assert.equal(frozen.code, 0, frozen.err);
    assert.equal((await admin.inNamespace('cli-a').clock()).frozen, true);
    assert.equal((await admin.clock()).frozen, false, 'the default namespace is untouched');
    const viaEnv = await cli(['batches', 'create', '--id', '4711', '--json'], { ...env, CORA_MOCK_NAMESPACE: 'cli-a' });
    assert.equal(JSON.parse(viaEnv.out).namespace, 'cli-a');
    const created = await cli(['namespaces', 'create', 'cli-b', '--match', '{"metadata":{"callerId":5}}'], env);
    assert.equal(created.out, 'created namespace cli-b\n', created.err);
    const listed = JSON.parse((await cli(['namespaces', '--json'], env)).out) as { items: { name: string; batches: number; match: unknown }[] };
    assert.deepEqual(
      listed.items.filter((n) => n.name.startsWith('cli-')).map((n) => [n.name, n.batches, n.match]),
      [['cli-a', 1, null], ['cli-b', 0, { metadata: { callerId: 5 } }]],
    );
    assert.match((await cli(['namespaces', 'get', 'cli-a'], env)).out, /^namespace cli-a: 1 batches, 0 rules, 0 requests journaled, clock \S+ \(frozen\)/);
    const bad = await cli(['namespaces', 'create', 'cli-c', '--match', '{nope'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^cora-ocr-mock: --match is not valid JSON/);
    const badName = await cli(['--namespace', 'no spaces', 'clock'], env);
    assert.equal(badName.code, 1);
    assert.match(badName.err, /400 Bad Request: 'no spaces' is not a namespace name/);
    const missing = await cli(['namespaces', 'create', 'cli-d', '--fixture', path.join(tmp, 'absent.json')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^cora-ocr-mock: cannot read .*absent\.json: ENOENT/);
    assert.equal((await cli(['namespaces', 'delete', 'cli-b'], env)).out, 'dropped namespace cli-b and its batches\n');
    const all = await cli(['reset', '--all-namespaces'], env);
    assert.match(all.out, /^reset; \d+ other namespaces dropped/);
    assert.deepEqual((await admin.listNamespaces()).items.map((n) => n.name), ['default']);
  });

  it('without the token the mock refuses: exit 1, not a usage error', async () => {
    const r = await cli(['--url', mock.origin, 'clock']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^cora-ocr-mock: 401 Unauthorized/);
  });

  it('--help or -h after an admin command prints the help and exits 0', async () => {
    for (const args of [['clock', '--help'], ['batches', 'list', '-h'], ['--url', 'http://x', 'health', '--help'], ['batches', 'get', '5', '6', '--help']]) {
      const r = await cli(args, env);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
      assert.match(r.out, /^Usage: cora-ocr-mock \[command\] \[options\]\n/);
    }
  });

  it('an admin command loads none of the server (SQLite, express, soap, pino, prom-client)', async (t) => {
    const runs: { userMs: number; systemMs: number; modules: string[]; maxRssKb: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const report = path.join(tmp, `clock-${i}.json`);
      const r = await cli(['clock'], { ...env, MODULE_REPORT: report }, ['--require', PRELOAD]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /\(running, /);
      runs.push(JSON.parse(fs.readFileSync(report, 'utf8')));
    }
    const modules = runs[0]!.modules;
    assert.ok(modules.some((m) => m.endsWith(path.join('dist', 'server', 'cli.js'))), `cli.js is in the report: ${modules.join(', ')}`);
    assert.deepEqual(modules.filter((m) => /[\\/]node_modules[\\/](better-sqlite3|express|soap|pino|prom-client)[\\/]/.test(m)), []);
    const dist = path.resolve(__dirname, '../dist/server');
    assert.deepEqual(modules.map((m) => path.relative(dist, m)).sort(), ['args.js', path.join('batches', 'model.js'), 'cli.js', 'client.js']);

    const cpu = runs.map((r) => r.userMs + r.systemMs).sort((a, b) => a - b);
    t.diagnostic(
      `cora-ocr-mock clock: process CPU time (user + system) over ${runs.length} runs: median ${cpu[2]!.toFixed(1)} ms, ` +
        `min ${cpu[0]!.toFixed(1)} ms, max ${cpu[4]!.toFixed(1)} ms; ${modules.length} modules in require.cache; ` +
        `max RSS ${Math.round(runs[0]!.maxRssKb / 1024)} MB`,
    );
  });

  it('the same report does see the server when the server is loaded (so the check above can fail)', async () => {
    const report = path.join(tmp, 'serve-help.json');
    const r = await cli(['serve', '--help'], { MODULE_REPORT: report }, ['--require', PRELOAD]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /--db-path/);
    const modules: string[] = JSON.parse(fs.readFileSync(report, 'utf8')).modules;
    // (express loads on the first admin request and the soap package is a test client's, so not these two)
    for (const pkg of ['better-sqlite3', 'pino']) {
      assert.ok(modules.some((m) => m.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`)), `${pkg} loaded for serve`);
    }
  });
});

describe('serve mode is still the default', () => {
  it('an argv of server flags starts the server (here refused: the misspelled flag is named, exit 2)', async () => {
    const r = await cli(['--port', '8081', '--db-pth', 'x']);
    assert.equal(r.code, 2);
    assert.equal(r.err, 'cora-ocr-mock: unknown option --db-pth (did you mean --db-path?)\n');
  });

  it('`cora-ocr-mock --port 0 --db-path :memory:` listens, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--db-path', ':memory:'], {
      env: { ...childEnv({}), LOG_LEVEL: 'info', FIXTURES_DIR: 'none', PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    const listening = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/"msg":"listening"/.test(out)) resolve(true);
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      void exited.then(() => resolve(false));
    });
    assert.ok(listening, out);
    assert.match(out, /"dbPath":":memory:"/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  it('SIGTERM to the `npm start` process (as a process manager sends it) stops the server too', async () => {
    // Output to a file, not a pipe: a server left behind would hold a pipe open and hang this test.
    const log = path.join(tmp, 'npm-start.log');
    const fd = fs.openSync(log, 'w');
    // Its own process group, so that whatever it started can be killed when the check fails.
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: path.resolve(__dirname, '..'),
      env: { ...childEnv({}), LOG_LEVEL: 'info', FIXTURES_DIR: 'none', PORT: '0', DB_PATH: ':memory:' },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    fs.closeSync(fd);
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const out = () => fs.readFileSync(log, 'utf8');
    try {
      const port = await waitFor(() => /"port":(\d+).*"msg":"listening"/.exec(out())?.[1], { what: 'npm start to listen', timeoutMs: 20_000 });
      const health = () => raw(`http://127.0.0.1:${port}/__admin/health`).then((r) => r.status, () => 'refused');
      assert.equal(await health(), 200);
      npm.kill('SIGTERM');
      assert.equal(await exited, 0, out());
      await waitFor(async () => (await health()) === 'refused', { what: 'the server to be gone' });
      assert.match(out(), /"signal":"SIGTERM","msg":"shutting down"/, 'the server itself got the signal');
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // the group is gone: nothing was left behind
      }
    }
  });

  it("a server flag's value is never taken for a command (--log-level health is serve mode)", async () => {
    const r = await cli(['--log-level', 'health']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^cora-ocr-mock: invalid LOG_LEVEL: 'health'/);
    oneLine(r);
  });

  it('admin options without a command are not taken for server flags', async () => {
    const r = await cli(['--url', 'http://127.0.0.1:1']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^cora-ocr-mock: missing command/);
    oneLine(r);
  });
});

describe('server flags (config parseFlags) are strict too', () => {
  const cases: [string[], RegExp][] = [
    [['--db-pth', 'x'], /^cora-ocr-mock: unknown option --db-pth \(did you mean --db-path\?\)$/],
    [['--colour', 'red'], /^cora-ocr-mock: unknown option --colour \(see --help\)$/],
    [['--port'], /^cora-ocr-mock: option --port needs a value$/],
    [['--db-path', '--port', '0'], /^cora-ocr-mock: option --db-path needs a value$/],
    [['extra'], /^cora-ocr-mock: unexpected argument 'extra'/],
  ];
  for (const [args, message] of cases) {
    it(`main.js ${args.join(' ')} exits 2 with one line`, async () => {
      const r = await runToExit({ DB_PATH: ':memory:' }, args);
      assert.equal(r.code, 2, r.output);
      assert.match(r.output.trimEnd(), message);
      assert.equal(r.output.split('\n').length, 2, r.output);
    });
  }

  it('--flag=value and --flag value both work, and win over the environment', () => {
    assert.deepEqual(parseFlags(['--port=0', '--db-path', ':memory:']), { PORT: '0', DB_PATH: ':memory:' });
    const c = loadConfig({ PORT: '1', DB_PATH: 'x.sqlite', LOG_LEVEL: 'warn' }, ['--port', '9', '--db-path=:memory:']);
    assert.deepEqual([c.port, c.dbPath, c.logLevel], [9, ':memory:', 'warn']);
    assert.equal(loadConfig({}, ['--port', '1', '--port', '2']).port, 2, 'the last one wins');
  });
});

describe('suggestions', () => {
  it('edit distance counts a swap of neighbours as one edit', () => {
    assert.equal(editDistance('stauts', 'status'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  it('closest: typos and unique abbreviations, nothing when far', () => {
    assert.equal(closest('batchid', ['operation', 'batch-id', 'since']), 'batch-id');
    assert.equal(closest('Status', ['status', 'limit']), 'status');
    assert.equal(closest('ext', ['id', 'external-context', 'file-name']), 'external-context');
    assert.equal(closest('log', ['log-level', 'log-pretty']), undefined);
    assert.equal(closest('colour', ['port', 'host', 'db-path', 'cors-origin']), undefined);
    assert.equal(closest('url', ['rule', 'limit']), undefined);
  });
});
