// The README's scripts run as written, against a mock whose ids do not start where a fresh
// database's do: "Calling it" (FileBatch, keeping the id it returned; GetStatus three ways) and the
// admin API's batch calls that use that id.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ServerProcess, spawnServer } from './support/process';

const README = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');

/** The first ```sh block after a heading. */
function block(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  const m = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  assert.ok(m, `a sh block under "${heading}"`);
  return m[1]!;
}

describe('the README, run as written', () => {
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer({ DB_PATH: ':memory:', FIRST_BATCH_ID: '7000' });
  });
  after(() => server.stop());

  it('"Calling it" keeps the id FileBatch returned, and the admin batch calls use it', async () => {
    const script = [
      'set -euo pipefail',
      block('## Calling it'),
      'echo "== admin"',
      `A=${server.origin}/__admin`,
      block('### Batches'),
    ]
      .join('\n')
      .replaceAll('http://127.0.0.1:8080', server.origin);
    const r = await promisify(execFile)('bash', ['-c', script], { timeout: 60_000 });
    const [calling, adminOut] = r.stdout.split('== admin\n') as [string, string];
    assert.match(calling, /^batch 7000\n/, 'the id came from the answer, not a guess');
    // SOAP 1.2 and HTTP GET both answered for that id.
    assert.match(calling, /<soap:Envelope xmlns:soap="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"[\s\S]*<Status>Queued<\/Status>/);
    assert.match(calling, /<BatchOutput [^>]*>\s*<Status>Queued<\/Status>/);
    assert.match(adminOut, /"id":"7000"/);
    assert.match(adminOut, /"status":"WaitingForOutput"/, 'the Failed batch re-opened by the second PATCH');
    const gone = await fetch(`${server.origin}/__admin/batches/7000`);
    assert.equal(gone.status, 404, 'and deleted at the end');
  });
});
