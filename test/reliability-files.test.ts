// Issue 15.2: damaged or foreign database files. Each one stops start-up with exactly one line on
// stderr naming DB_PATH and what is wrong, exit code 1 (as the README documents), no stack trace,
// and the file is left byte for byte as it was: never re-initialised, never "repaired".
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runToExit } from './support/process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-files-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts) execFileSync('umount', ['-l', m]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const V0 = path.join(__dirname, 'fixtures-db/v0-release.sqlite');
const isRoot = process.getuid?.() === 0;

/** A copy of a database the mock wrote (the v0 fixture, migrated to today's schema first). */
function goodDb(name: string): string {
  const f = path.join(tmp, name);
  fs.copyFileSync(V0, f);
  return f;
}

/** A file root cannot write either: on a tmpfs remounted read-only (root), else mode 0444. */
function readOnlyDb(): string {
  if (!isRoot) {
    const f = goodDb('read-only.sqlite');
    fs.chmodSync(f, 0o444);
    return f;
  }
  const dir = path.join(tmp, 'ro-mount');
  fs.mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  mounts.push(dir);
  fs.copyFileSync(V0, path.join(dir, 'read-only.sqlite'));
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  return path.join(dir, 'read-only.sqlite');
}

const cases: [string, () => string, RegExp][] = [
  [
    'a truncated database (half of a real one)',
    () => {
      const f = goodDb('truncated.sqlite');
      fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2 / 4096) * 4096);
      return f;
    },
    /is truncated: its header says \d+ pages/,
  ],
  [
    'a database cut inside its header',
    () => {
      const f = goodDb('cut-header.sqlite');
      fs.truncateSync(f, 60);
      return f;
    },
    /is not a database \(its first bytes are not SQLite's header\)/,
  ],
  [
    'random bytes',
    () => {
      const f = path.join(tmp, 'random.sqlite');
      fs.writeFileSync(f, crypto.randomBytes(64 * 1024));
      return f;
    },
    /is not a database \(its first bytes are not SQLite's header\)/,
  ],
  [
    'a JSON file',
    () => {
      const f = path.join(tmp, 'config.json');
      fs.writeFileSync(f, JSON.stringify({ batches: [{ id: '1001' }] }, null, 2));
      return f;
    },
    /is not a database \(its first bytes are not SQLite's header\)/,
  ],
  [
    'a SQLite header over garbage (a damaged schema page)',
    () => {
      const f = goodDb('damaged.sqlite');
      const b = fs.readFileSync(f);
      crypto.randomFillSync(b, 100, 4096 - 100);
      fs.writeFileSync(f, b);
      return f;
    },
    /malformed|not a database|corrupt/i,
  ],
  [
    "another application's SQLite database",
    () => {
      const f = path.join(tmp, 'foreign.sqlite');
      const db = new Database(f);
      db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
      db.close();
      return f;
    },
    /not a cora-ocr-mock database \(its tables: customers\)/,
  ],
  [
    'a database from a future schema version',
    () => {
      const f = goodDb('future.sqlite');
      const db = new Database(f);
      db.pragma('user_version = 42');
      db.close();
      return f;
    },
    /written by a newer cora-ocr-mock \(schema version 42; this release knows versions up to \d+\)/,
  ],
  ['a read-only file', readOnlyDb, /is read-only/],
];

describe('damaged and foreign database files', () => {
  let clear = 0;
  for (const [name, make, cause] of cases) {
    it(`${name}: one line naming DB_PATH, exit 1, the file untouched`, async () => {
      const db = make();
      const before = fs.readFileSync(db);
      const r = await runToExit({ DB_PATH: db });
      const shown = `exit ${r.code}, output:\n${r.output}`;
      const lines = r.output.split('\n').filter((l) => l.trim() !== '');
      assert.equal(r.code, 1, shown);
      assert.equal(lines.length, 1, `exactly one line: ${shown}`);
      assert.ok(!/^\s+at .+:\d+:\d+\)?$/m.test(r.output), `a stack trace: ${shown}`);
      assert.ok(lines[0]!.startsWith(`cora-ocr-mock: cannot start: DB_PATH ${db}`), `names DB_PATH and the file: ${shown}`);
      assert.match(lines[0]!, cause, shown);
      assert.ok(fs.readFileSync(db).equals(before), 'the file is byte for byte as it was');
      clear++;
    });
  }
  it('summary', (t) => t.diagnostic(`damaged files: ${cases.length} cases tried, ${clear} refused with one clear line naming DB_PATH, 0 re-initialised`));
});
