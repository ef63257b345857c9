// The examples under examples/ run as their READMEs say, against a real mock.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServerProcess, spawnServer } from './support/process';

const ROOT = path.resolve(__dirname, '..');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  // Without NODE_TEST_CONTEXT: a child `node --test` that inherits it silently runs nothing.
  const { NODE_TEST_CONTEXT: _inherited, ...parent } = process.env;
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...parent, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
