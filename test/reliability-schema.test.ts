// Issue 15.3: a database written by schema version 1 (test/fixtures-db/v1-release.sqlite, made by
// make-v1-db.ts from that release's code) opens with this release and serves its batches, in the
// default namespace and in a stored one; the file keeps its data and passes integrity_check.
// (The v0 file and the refusal of a newer version are tested in namespaces.test.ts.)
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AdminClient } from '../server/client';
import { spawnServer } from './support/process';

describe('schema versions', () => {
  it('the version 1 database opens and serves its batches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cora-v1-'));
    const db = path.join(dir, 'v1.sqlite');
    fs.copyFileSync(path.join(__dirname, 'fixtures-db/v1-release.sqlite'), db);
    const server = await spawnServer({ DB_PATH: db });
    try {
      const admin = new AdminClient({ url: server.origin });
      const got = async (id: string, ns?: string) => {
        const b = await (ns ? new AdminClient({ url: server.origin, namespace: ns }) : admin).getBatch(id);
        return [b.namespace, b.status, b.errorCode, b.externalContext];
      };
      assert.deepEqual(await got('1001'), ['default', 'Completed', 'NoError', 'v1-done']);
      assert.deepEqual(await got('1002'), ['default', 'Failed', 'InputFileNotFound', null]);
      assert.deepEqual(await got('1003'), ['default', 'Aborted', 'InternalError', 'v1-forced']);
      assert.deepEqual(await got('1004', 'team-a'), ['team-a', 'WaitingForOutput', 'NoError', 'v1-ns']);
      assert.ok((await admin.listNamespaces()).items.some((n) => n.name === 'team-a'), 'the stored namespace is back');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const check = new Database(db, { readonly: true });
    assert.ok(Number(check.pragma('user_version', { simple: true })) >= 1);
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
