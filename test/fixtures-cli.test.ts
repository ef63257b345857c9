// Fixture files (validation, loading, reload on reset) and the CLI against a running server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AdminClient } from '../server/client';
import { freePort, runToExit, spawnServer, ServerProcess } from './support/process';
import { RunningMock, startMock, status, submit } from './support/mock';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-fixtures-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fixtureDir(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

describe('fixture validation stops start-up with the file, the JSON path and the reason', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['broken JSON', { 'a.json': '{"rules": [' }, /a\.json: not valid JSON at line 1, column \d+/],
    ['an unknown top-level key', { 'a.json': '{"rulez": []}' }, /a\.json: \/rulez: unknown field "rulez"/],
    ['a bad error code', { 'b.json': '{"rules":[{"outcome":{"status":"Failed","errorCode":"Oops","at":"Queued"}}]}' }, /b\.json: \/rules\/0\/outcome\/errorCode: must be one of/],
    ['a rule with no effect', { 'c.json': '{"rules":[{"match":{"operation":"FileBatch"}}]}' }, /c\.json: \/rules\/0: a rule has exactly one effect/],
    ['a batch without id', { 'd.json': '{"batches":[{"status":"Completed"}]}' }, /d\.json: \/batches\/0: missing required field "id"/],
    ['a negative timing', { 'e.json': '{"timings":{"queuedMs":-5}}' }, /e\.json: \/timings\/queuedMs: must be >= 0/],
  ];
  for (const [label, files, message] of cases) {
    it(label, async () => {
      const r = await runToExit({ FIXTURES_DIR: fixtureDir(label.replace(/\W+/g, '-'), files), DB_PATH: ':memory:' });
      assert.equal(r.code, 2, 'a fixture problem is the configuration\'s: exit 2');
      assert.match(r.output, message);
      assert.equal(r.output.trim().split('\n').length, 1, r.output);
    });
  }

  it('every problem of every file, one line each', async () => {
    const dir = fixtureDir('many-problems', {
      'a.json': '{"timings":{"queuedMs":-5},"rules":[{"outcome":{"status":"Failed","errorCode":"Oops","at":"Queued"}},{"match":{"operation":"FileBatch"}}]}',
      'b.json': '{"rules": [',
      'c.json': '{"rules":[{"id":"x","hold":"Queued"},{"id":"x","hold":"Queued"}]}',
    });
    const r = await runToExit({ FIXTURES_DIR: dir, DB_PATH: ':memory:' });
    assert.equal(r.code, 2);
    const lines = r.output.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(dir, 'DIR').replace(/^cora-ocr-mock: /, '').split(': ').slice(0, 2).join(': ')),
      ['DIR/a.json: /timings/queuedMs', 'DIR/a.json: /rules/0/outcome/errorCode', 'DIR/a.json: /rules/1', 'DIR/b.json: not valid JSON at line 1, column 12', 'DIR/c.json: /rules/1/id'],
      r.output,
    );
  });

  it('a FIXTURES_DIR that does not exist', async () => {
    const r = await runToExit({ FIXTURES_DIR: path.join(tmp, 'missing'), DB_PATH: ':memory:' });
    assert.equal(r.code, 2);
    assert.match(r.output, /FIXTURES_DIR .*missing does not exist/);
  });
});

describe('fixtures loading and reset', () => {
  let mock: RunningMock;
  let dir: string;
  before(async () => {
    dir = fixtureDir('reload', {
      '1-profiles.json': JSON.stringify({ profiles: ['Known'], timings: { queuedMs: 50 } }),
      '2-batches.json': JSON.stringify({ batches: [{ id: '42', externalContext: 'fixture', status: 'Completed' }] }),
    });
    mock = await startMock({ FIXTURES_DIR: dir });
  });
  after(() => mock.close());

  it('loads profiles, timings and batches', async () => {
    mock.app.clock.freeze();
    assert.deepEqual(await status(mock, '42'), { status: 'Completed', errorCode: 'NoError', externalContext: 'fixture' });
    const unknown = await submit(mock, { OCRProfile: 'Other' });
    const known = await submit(mock, { OCRProfile: 'Known' });
    mock.app.clock.advance(50);
    assert.equal((await status(mock, unknown)).errorCode, 'RobotProfileNotFound');
    assert.equal((await status(mock, known)).status, 'ProcessingInput', 'fixture timings: 50 ms queued');
  });

  it('reset reloads the files, so edited fixtures apply without a restart', async () => {
    fs.writeFileSync(path.join(dir, '3-rules.json'), JSON.stringify({ rules: [{ id: 'from-file', match: { operation: 'FileBatch' }, hold: 'Queued' }] }));
    const admin = new AdminClient({ url: mock.origin });
    const r = await admin.reset();
    assert.equal(r.fixtures.length, 3);
    assert.deepEqual((await admin.listRules()).items.map((x) => [x.id, x.source.endsWith('3-rules.json')]), [['from-file', true]]);
    assert.equal((await status(mock, '42')).externalContext, 'fixture');
  });
});

describe('the CLI against a running server', () => {
  let server: ServerProcess;
  const cli = path.resolve(__dirname, '../dist/server/cli.js');
  const run = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [cli, ...args, '--url', server.origin], { timeout: 20_000 });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:', FIXTURES_DIR: path.resolve(__dirname, '../fixtures') });
  });
  after(() => server.stop());

  it('health, batches list/get/create/set/delete', async () => {
    assert.match((await run('health')).out, /^ok: store open, WSDL loaded, 7 batches/);
    const list = await run('batches', 'list', '--status', 'Failed');
    assert.match(list.out, /^ID\s+STATUS/);
    assert.match(list.out, /^2\s+Failed\s+InputFileNotFound/m);
    assert.match(list.out, /^4\s+Failed\s+TimedOut/m);
    assert.doesNotMatch(list.out, /^1\s/m);
    assert.match((await run('batches', 'get', '2')).out, /batch 2: Failed \(InputFileNotFound\)[\s\S]*history/);
    const created = await run('batches', 'create', '--id', '500', '--file-name', 'x.pdf', '--json');
    assert.equal(JSON.parse(created.out).id, '500');
    assert.match((await run('batches', 'set', '500', 'Failed', 'InternalError')).out, /batch 500: Failed \(InternalError\)/);
    assert.match((await run('batches', 'delete', '500')).out, /deleted batch 500/);
    const missing = await run('batches', 'get', '500');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /404 Not Found: batch 500 not found/);
  });

  it('rules add/list/delete, clock freeze/advance/resume, requests, reset', async () => {
    const added = await run('rules', 'add', '{"id":"cli-rule","match":{"operation":"GetStatus"},"fault":{"type":"soapFault","message":"boom"}}');
    assert.match(added.out, /added rule cli-rule/);
    assert.match((await run('rules', 'list')).out, /cli-rule\s+fault:soapFault/);
    const bad = await run('rules', 'add', '{"fault":{"type":"explode"}}');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /400 Bad Request: \/fault\/type: must be one of/);
    assert.match((await run('rules', 'delete', 'cli-rule')).out, /deleted rule cli-rule/);
    assert.match((await run('clock', 'freeze')).out, /\(frozen, /);
    const before = JSON.parse((await run('clock', '--json')).out).nowMs;
    const after = JSON.parse((await run('clock', 'advance', '2m', '--json')).out).nowMs;
    assert.equal(after - before, 120_000);
    assert.match((await run('clock', 'resume')).out, /\(running, /);
    const admin = new AdminClient({ url: server.origin });
    await admin.getBatch('1');
    assert.match((await run('requests', 'count')).out, /^\d+\n$/);
    assert.match((await run('reset')).out, /^reset; fixtures: .*magic-values\.json/);
    assert.match((await run('requests')).out, /no requests/);
  });

  it('usage errors exit 2 with a clear line; an unreachable mock exits 1', async () => {
    const r = await run('clock', 'advance', 'soon');
    assert.equal(r.code, 2);
    assert.match(r.err, /'soon' is not a duration/);
    const free = await freePort();
    const dead = await promisify(execFile)(process.execPath, [cli, 'health', '--url', `http://127.0.0.1:${free}`], { timeout: 20_000 }).catch((e) => e);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /no mock answers at that --url/);
  });
});
