// The examples under examples/ run as their READMEs say, against a real mock.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServerProcess, spawnServer } from './support/process';

const ROOT = path.resolve(__dirname, '..');

function run(args: string[], env: Record<string, string>, command = process.execPath, cwd = ROOT): Promise<{ code: number | null; out: string }> {
  // Without NODE_TEST_CONTEXT: a child `node --test` that inherits it silently runs nothing.
  const { NODE_TEST_CONTEXT: _inherited, ...parent } = process.env;
  const child = spawn(command, args, { cwd, env: { ...parent, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out });
    }),
  );
}

describe('examples', () => {
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:' });
  });
  after(() => server.stop());

  it('parallel-suites: eight workers share one mock through namespaces, and all pass', async () => {
    const r = await run(['--test', 'examples/parallel-suites/'], { CORA_MOCK_URL: server.origin });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^# pass 24$/m);
    assert.match(r.out, /^# fail 0$/m);
  });
});

describe('examples/python-zeep', () => {
  const python = '/usr/bin/python3';
  const hasZeep = fs.existsSync(python) && fs.existsSync('/usr/lib/python3/dist-packages/zeep');
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:', QUEUED_MS: '100', PROCESSING_INPUT_MS: '100', WAITING_FOR_OUTPUT_MS: '100' });
  });
  after(() => server.stop());

  // CI installs python3-zeep (.ci/run); a developer machine without it skips, visibly.
  const skip = !hasZeep && !process.env['CI'] ? 'python3-zeep is not installed (apt-get install python3-zeep)' : false;

  it('demo.py: Completed, Failed with its ErrorCode, GetStatus faults handled, a refused FileBatch reported', { skip }, async () => {
    const r = await run(['demo.py', '--mock-url', server.origin], { PYTHONDONTWRITEBYTECODE: '1' }, python, path.join(ROOT, 'examples/python-zeep'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^PASS completes: invoice-0001\.pdf -> batch \d+ Completed NoError, faults \[\]$/m);
    assert.match(r.out, /^PASS fails with an ErrorCode: .* Failed RobotProfileNotFound/m);
    assert.match(r.out, /^PASS GetStatus faults are handled: .* Completed NoError, faults \['GetStatus: soap:Server Server was unable to process request\. ---> database is busy', /m);
    assert.match(r.out, /^PASS a refused FileBatch is reported: .* Rejected None, faults \['FileBatch: soap:Client Input file is locked'\]$/m);
    assert.match(r.out, /^4 passed, 0 failed$/m);
    // It cleaned up after itself: no rule of its own is left on the mock.
    const rules = (await (await fetch(`${server.origin}/__admin/rules`)).json()) as { items: unknown[] };
    assert.deepEqual(rules.items, []);
  });

  it('ocr_client.py on its own: exit 0 when every file Completed, 1 otherwise', { skip }, async () => {
    const cli = (files: string[]) => run(['ocr_client.py', '--service-url', server.serviceUrl, ...files], { PYTHONDONTWRITEBYTECODE: '1' }, python, path.join(ROOT, 'examples/python-zeep'));
    const ok = await cli(['scan-1.pdf']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /^scan-1\.pdf: batch \d+ Completed$/m);
    const rule = await fetch(`${server.origin}/__admin/rules`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ match: { fileName: 'gone.pdf' }, outcome: { status: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput' } }),
    });
    assert.equal(rule.status, 201);
    const failed = await cli(['gone.pdf']);
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /^gone\.pdf: batch \d+ Failed \(InputFileNotFound\)$/m);
  });
});
