// Fixture tooling: `fixtures lint` for CI, reload without a restart (the admin route, the CLI,
// FIXTURES_WATCH), refusing a bad file without dropping the loaded ones, and the fixtures' rules
// surviving `DELETE /__admin/rules` unless asked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AdminClient, AdminError } from '../server/client';
import { RunningMock, startMock, status, submit } from './support/mock';
import { ServerProcess, spawnServer } from './support/process';
import { waitFor } from './support/wait';

const CLI = path.resolve(__dirname, '../dist/server/cli.js');
const SHIPPED = path.resolve(__dirname, '../fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-fixture-tools-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, unknown>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { timeout: 20_000, env: { ...process.env, ...env } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

const holdRule = (id: string, fileName: string) => ({ id, match: { operation: 'FileBatch', fileName }, hold: 'Queued' });

describe('cora-ocr-mock fixtures lint', () => {
  it('lists every problem with its file and JSON pointer, and exits 1', async () => {
    const dir = folder('lint-bad', {
      '1.json': { rulez: [], rules: [{ outcome: { status: 'Failed', errorCode: 'Oops', at: 'Queued' } }, { match: { fileName: { regex: '(' } }, hold: 'Queued' }] },
      '2.json': '{"batches": [{"status": "Completed"}]',
      '3.json': { rules: [holdRule('dup', '*.a.*')] },
      '4.json': { rules: [holdRule('dup', '*.b.*')], batches: [{ id: '7' }, { id: '7' }, { id: '8', errorCode: 'InternalError', outcome: { status: 'Failed', errorCode: 'InternalError', at: 'Queued', during: 'Queued' } }] },
    });
    const r = await cli(['fixtures', 'lint', dir]);
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(r.out.trim().split('\n'), [
      `${dir}/1.json: /rulez: unknown field "rulez"`,
      `${dir}/1.json: /rules/0/outcome/errorCode: must be one of NoError, TimedOut, InputFileNotFound, InputFileExists, FailedToPutInputFile, OutputFileExists, FailedToPutOutputFile, RobotProfileNotFound, InternalError`,
      `${dir}/1.json: /rules/1/match/fileName: must be string`,
      `${dir}/2.json: not valid JSON at line 1, column 38: Expected ',' or '}' after property value in JSON at position 37`,
      `${dir}/4.json: /batches/2/errorCode: errorCode goes with status`,
      `${dir}/4.json: /batches/2/outcome: an outcome has either at (fail on reaching that stage) or during (fail when that stage ends), not both or neither`,
      `${dir}/4.json: /rules/0/id: rule id "dup" is already defined in ${dir}/3.json`,
      `${dir}/4.json: /batches/1/id: batch id 7 is already defined in ${dir}/4.json`,
      `8 problems in ${dir}`,
    ]);
    const json = await cli(['fixtures', 'lint', dir, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.out) as { ok: boolean; problems: { file: string; pointer: string | null; message: string }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems[3], { file: `${dir}/2.json`, pointer: null, message: "not valid JSON at line 1, column 38: Expected ',' or '}' after property value in JSON at position 37" });
    assert.equal(report.problems[0]!.pointer, '/rulez');
  });

  it('passes the shipped fixtures (exit 0), reading $FIXTURES_DIR when no folder is named', async () => {
    const r = await cli(['fixtures', 'lint', SHIPPED]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^2 fixture files in .*fixtures: no problems \(.*magic-values\.json, .*seeded-batches\.json\)\n$/);
    const fromEnv = await cli(['fixtures', 'lint'], { FIXTURES_DIR: SHIPPED });
    assert.equal(fromEnv.code, 0);
    assert.match(fromEnv.out, /no problems/);
  });

  it('a folder that is not there, or FIXTURES_DIR=none, is a usage error (exit 2)', async () => {
    const missing = await cli(['fixtures', 'lint', path.join(tmp, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^cora-ocr-mock: cannot lint .*nope: no such folder\n$/);
    const none = await cli(['fixtures', 'lint'], { FIXTURES_DIR: 'none' });
    assert.equal(none.code, 2);
    assert.match(none.err, /name the folder to lint/);
  });
});

describe('reloading fixtures without a restart', () => {
  let mock: RunningMock;
  let admin: AdminClient;
  let dir: string;
  before(async () => {
    dir = folder('reload', {
      '1-rules.json': { rules: [holdRule('held', '*.held.*')], timings: { queuedMs: 1000 } },
      '2-batches.json': { batches: [{ id: '42', externalContext: 'seeded', status: 'Completed' }] },
    });
    mock = await startMock({ FIXTURES_DIR: dir });
    admin = new AdminClient({ url: mock.origin });
  });
  after(() => mock.close());

  it('applies edited files to rules, timings and batches, keeping API rules, batches and the clock', async () => {
    const api = await admin.addRule({ id: 'from-api', match: { operation: 'GetStatus' }, fault: { type: 'delay', ms: 1 } });
    await admin.freezeClock();
    const before = await submit(mock, { FileName: 'a.pdf' });
    await status(mock, before); // the API rule matches and fires once
    assert.equal((await admin.getRule('from-api')).fired, 1);

    fs.writeFileSync(path.join(dir, '1-rules.json'), JSON.stringify({ rules: [holdRule('held', '*.held.*'), holdRule('also', '*.also.*')], timings: { queuedMs: 50 } }));
    fs.writeFileSync(path.join(dir, '3-more.json'), JSON.stringify({ batches: [{ id: '43', status: 'Failed', errorCode: 'InternalError' }] }));
    const r = await admin.reloadFixtures();
    assert.deepEqual(r, { reloaded: true, fixtures: [`${dir}/1-rules.json`, `${dir}/2-batches.json`, `${dir}/3-more.json`], rules: 2, namespaces: 1 });

    const rules = (await admin.listRules()).items;
    assert.deepEqual(rules.map((x) => x.id), ['held', 'also', 'from-api'], "fixture rules first, then the API's");
    assert.equal(rules[2]!.fired, 1, "an API rule keeps its counters");
    assert.deepEqual(await status(mock, '43'), { status: 'Failed', errorCode: 'InternalError', externalContext: undefined }, 'a new fixture batch is seeded');
    assert.equal((await status(mock, before)).status, 'Queued', 'batches and the frozen clock are untouched');
    const fresh = await submit(mock, { FileName: 'b.pdf' });
    await admin.advanceClock(50);
    assert.equal((await status(mock, fresh)).status, 'ProcessingInput', 'the new timings apply to new batches');
  });

  it('refuses a bad file with every problem listed, and the loaded fixtures keep working', async () => {
    fs.writeFileSync(path.join(dir, '1-rules.json'), JSON.stringify({ rules: [{ id: 'held', match: { operation: 'FileBatch' } }], timings: { queuedMs: -1 } }));
    const err = await admin.reloadFixtures().then(
      () => assert.fail('a bad file was accepted'),
      (e: unknown) => e as AdminError,
    );
    assert.ok(err instanceof AdminError);
    assert.equal(err.status, 400);
    assert.deepEqual((err.problem as { errors?: unknown }).errors, [
      { file: `${dir}/1-rules.json`, pointer: '/timings/queuedMs', message: 'must be >= 0' },
      { file: `${dir}/1-rules.json`, pointer: '/rules/0', message: 'a rule has exactly one effect (outcome, timings, hold or fault); found none' },
    ]);
    assert.deepEqual((await admin.listRules()).items.map((x) => x.id), ['held', 'also', 'from-api']);
    await admin.resumeClock();
    const held = await submit(mock, { FileName: 'x.held.pdf' });
    assert.equal((await admin.getBatch(held)).plan.hold, 'Queued', 'the loaded rule still acts');

    // A reset reads FIXTURES_DIR too: it is refused as well, and nothing is reset.
    const reset = await admin.reset().catch((e: unknown) => e as AdminError);
    assert.ok(reset instanceof AdminError && reset.status === 400, String(reset));
    assert.equal((await admin.getBatch(held)).id, held, 'the refused reset deleted nothing');
  });

  it("refuses a fixture rule that would take an API rule's id (409), changing nothing", async () => {
    fs.writeFileSync(path.join(dir, '1-rules.json'), JSON.stringify({ rules: [holdRule('held', '*.held.*'), holdRule('from-api', '*.x.*')] }));
    const err = await admin.reloadFixtures().catch((e: unknown) => e as AdminError);
    assert.ok(err instanceof AdminError && err.status === 409, String(err));
    assert.match(err.message, /from-api \(namespace default\)/);
    assert.deepEqual((await admin.listRules()).items.map((x) => x.id), ['held', 'also', 'from-api']);
  });
});

describe("DELETE /__admin/rules keeps the fixtures' rules unless asked", () => {
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:', FIXTURES_DIR: SHIPPED });
  });
  after(() => server.stop());

  it('the magic FileNames keep working after deleting all rules; --include-fixtures deletes them too', async () => {
    const admin = new AdminClient({ url: server.origin });
    const magic = (await admin.listRules()).items.map((r) => r.id);
    assert.ok(magic.length >= 8 && magic.every((id) => id.startsWith('magic-')), magic.join());
    await admin.addRule({ id: 'mine', match: { operation: 'GetStatus' }, fault: { type: 'delay', ms: 1 } });

    const r = await cli(['rules', 'delete', '--all', '--url', server.origin]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^deleted 1 rule; kept the fixtures' rules magic-TimedOut, .* \(--include-fixtures deletes them too\)\n$/);
    assert.deepEqual((await admin.listRules()).items.map((x) => x.id), magic);
    const failing = await submit(server, { FileName: 'scan.InputFileNotFound.pdf' });
    assert.deepEqual((await admin.getBatch(failing)).plan.outcome, { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' });

    const cleared = await admin.deleteAllRules({ includeFixtures: true });
    assert.deepEqual(cleared, { deleted: magic, kept: [] });
    assert.equal((await admin.listRules()).items.length, 0);
    await admin.reset();
    assert.deepEqual((await admin.listRules()).items.map((x) => x.id), magic, 'a reset brings them back');

    const usage = await cli(['rules', 'delete', 'mine', '--include-fixtures', '--url', server.origin]);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--include-fixtures goes with --all/);
    const bad = await fetch(`${server.origin}/__admin/rules?includeFixtures=yes`, { method: 'DELETE' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /includeFixtures: must be true or false/);
  });

  it('`fixtures reload` from the CLI', async () => {
    const r = await cli(['fixtures', 'reload', '--url', server.origin]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^reloaded fixtures: .*magic-values\.json, .*seeded-batches\.json \(\d+ rules, applied in 1 namespaces\)\n$/);
  });
});

describe('FIXTURES_WATCH=true', () => {
  let server: ServerProcess;
  let dir: string;
  before(async () => {
    dir = folder('watch', { 'a.json': { rules: [holdRule('first', '*.first.*')] } });
    server = await spawnServer({ DB_PATH: ':memory:', FIXTURES_DIR: dir, FIXTURES_WATCH: 'true', LOG_LEVEL: 'info' });
  });
  after(() => server.stop());

  it('reloads on a change; refuses a bad file, logs why, and keeps the loaded rules', async () => {
    const admin = new AdminClient({ url: server.origin });
    const ids = async () => (await admin.listRules()).items.map((r) => r.id).join(',');
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ rules: [holdRule('second', '*.second.*')] }));
    await waitFor(async () => (await ids()) === 'first,second', { what: 'the new file to be loaded' });
    await waitFor(() => /"msg":"fixtures reloaded"/.test(server.output()), { what: 'the reload to be logged' });

    fs.writeFileSync(path.join(dir, 'b.json'), '{"rules": [');
    await waitFor(() => /"level":40.*"msg":"fixtures changed but were refused; the loaded ones stay"/.test(server.output()), { what: 'the refusal to be logged' });
    assert.match(server.output(), /b\.json.*not valid JSON/);
    assert.equal(await ids(), 'first,second');
  });

  it('with no fixtures folder, or FIXTURES_DIR=none, the mock refuses to start (exit 2)', async () => {
    const { runToExit } = await import('./support/process');
    const none = await runToExit({ DB_PATH: ':memory:', FIXTURES_DIR: 'none', FIXTURES_WATCH: 'true' });
    assert.equal(none.code, 2);
    assert.match(none.output, /FIXTURES_WATCH=true needs fixtures to watch/);
    const missing = await runToExit({ DB_PATH: ':memory:', FIXTURES_DIR: path.join(tmp, 'not-there'), FIXTURES_WATCH: 'true' });
    assert.equal(missing.code, 2);
    assert.match(missing.output, /^cora-ocr-mock: FIXTURES_WATCH=true needs a fixtures folder: FIXTURES_DIR .*not-there does not exist\n$/);
  });
});
