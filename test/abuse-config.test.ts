// Issue 6.7: bad configuration stops start-up with ONE clear line naming the cause (and the thing
// at fault: the DB path, the fixture file, the port) and a non-zero exit code; never a stack trace.
// Tests run as root, so permissions cannot make a path unusable: a directory as the DB file, a
// DB path whose parent is a regular file, a path under /proc, a file of garbage, a read-only file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runToExit } from './support/process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-config-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Exactly one non-empty output line, naming `mustName` (each pattern), no stack frames, code != 0. */
function assertOneClearLine(r: { code: number | null; output: string }, what: string, mustName: (string | RegExp)[]) {
  const lines = r.output.split('\n').filter((l) => l.trim() !== '');
  const shown = `exit ${r.code}, output:\n${r.output}`;
  assert.ok(r.code !== null, `${what}: start-up hung; runToExit killed it after 20 s (${shown})`);
  assert.notEqual(r.code, 0, `${what}: non-zero exit (${shown})`);
  assert.ok(!/^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(r.output), `${what}: a stack trace (${shown})`);
  assert.equal(lines.length, 1, `${what}: exactly one line (${shown})`);
  for (const m of mustName) {
    if (typeof m === 'string') assert.ok(lines[0]!.includes(m), `${what}: the line names ${m} (${shown})`);
    else assert.match(lines[0]!, m, `${what}: the line matches ${m} (${shown})`);
  }
}

describe('bad configuration', () => {
  const dbCases: [string, () => string, (string | RegExp)[]][] = [
    [
      'DB_PATH is a directory',
      () => {
        const d = path.join(tmp, 'a-directory.sqlite');
        fs.mkdirSync(d);
        return d;
      },
      [],
    ],
    [
      "DB_PATH's parent is a regular file",
      () => {
        const f = path.join(tmp, 'regular-file');
        fs.writeFileSync(f, 'x');
        return path.join(f, 'db.sqlite');
      },
      [/not a directory|ENOTDIR|exists/i],
    ],
    ['DB_PATH under /proc', () => '/proc/self/cora-mock/db.sqlite', []],
    [
      'DB_PATH is a corrupt database (garbage)',
      () => {
        const f = path.join(tmp, 'garbage.sqlite');
        fs.writeFileSync(f, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256)));
        return f;
      },
      [/not a database|corrupt|malformed/i],
    ],
    [
      'DB_PATH is a truncated SQLite file',
      () => {
        const f = path.join(tmp, 'truncated.sqlite');
        const header = Buffer.alloc(4096);
        header.write('SQLite format 3\u0000');
        header.writeUInt16BE(4096, 16);
        header.writeUInt32BE(999, 28); // claims 999 pages
        fs.writeFileSync(f, header.subarray(0, 100));
        return f;
      },
      [],
    ],
    ['DB_PATH is a read-only kernel file', () => '/proc/version', []],
  ];

  for (const [name, make, patterns] of dbCases) {
    it(`${name}: one clear line naming the database, exit non-zero`, async () => {
      const db = make();
      const r = await runToExit({ DB_PATH: db });
      const namesDb = new RegExp(`${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|DB_PATH`);
      assertOneClearLine(r, name, [namesDb, ...patterns]);
    });
  }

  const fixtureCases: [string, string, string | RegExp][] = [
    ['invalid JSON', '{ "batches": [ ', /not valid JSON/],
    ['an unknown field', '{ "colour": "red" }', /unknown field "colour"/],
    ['a batch without an id', '{ "batches": [ { "externalContext": "x" } ] }', /id/],
    ['a rule with a bad regex', '{ "rules": [ { "match": { "externalContext": "(" }, "hold": "Queued" } ] }', /regular expression/],
  ];
  for (const [name, content, cause] of fixtureCases) {
    it(`a fixture file with ${name}: one clear line naming the file, exit non-zero`, async () => {
      const dir = path.join(tmp, `fixtures-${name.replace(/\W+/g, '-')}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'broken.json'), content);
      const r = await runToExit({ DB_PATH: ':memory:', FIXTURES_DIR: dir });
      assertOneClearLine(r, name, ['broken.json', cause]);
    });
  }

  it('FIXTURES_DIR that is a file: one clear line', async () => {
    const f = path.join(tmp, 'not-a-dir.json');
    fs.writeFileSync(f, '{}');
    const r = await runToExit({ DB_PATH: ':memory:', FIXTURES_DIR: f });
    assertOneClearLine(r, 'FIXTURES_DIR is a file', [f, /not a directory/]);
  });

  it('a port in use: one clear line naming the port, exit non-zero', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runToExit({ DB_PATH: ':memory:', PORT: String(port), HOST: '127.0.0.1' });
      assertOneClearLine(r, 'port in use', [String(port), /in use/]);
    } finally {
      blocker.close();
    }
  });

  it('an invalid setting: one clear line naming it, exit non-zero', async () => {
    const r = await runToExit({ DB_PATH: ':memory:', MAX_CONNECTIONS: 'lots' });
    assertOneClearLine(r, 'MAX_CONNECTIONS=lots', ['MAX_CONNECTIONS']);
  });
});
